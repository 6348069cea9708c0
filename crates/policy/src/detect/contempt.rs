//! Contempt or mockery of customers: insults, sarcasm, shaming.
//!
//! Most words of contempt are innocent somewhere: our stores "dim the lights", a jumper is
//! "thick", "you're entitled to a refund". So the detector knows three kinds of wording, and
//! a pack rule gives it any of them (the built-in pack splits insults, sarcasm and mockery
//! into three rules with their own messages):
//!
//! - **phrases** and **patterns**: contempt wherever they appear ("it's not rocket science",
//!   "some people shouldn't be let out");
//! - **insults**: contempt unless aimed at ourselves ("what an idiot" is; "we're such idiots,
//!   we forgot the candles" is self-deprecation);
//! - **aimed** words and emoji: contempt only when aimed at a **target** ("you", "customers",
//!   the organisation's customer names): the target comes at most `reach` words before in
//!   the same sentence with no negation between ("you're so dim", "you're not stupid" is
//!   not), or straight after ("dim customers", "🙄 you").
//!
//! Anything inside an `except` phrase ("killer deal", "entitled to") is innocent.

use super::near::{ascii_boundaries, gap, literal_regex, matches, normal, sentences};
use super::{Detect, Hit, Input};
use crate::pack::Organisation;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::ops::Range;

/// Parameters of the detector. Lists are matched case-blind; words keep word boundaries,
/// emoji and hashtags match as written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContemptParams {
    /// Phrases that are contempt wherever they appear.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phrases: Vec<String>,
    /// Regular expressions (Rust `regex` syntax) that are contempt wherever they match,
    /// case-blind; no word boundaries are added (write `\b` where one is meant), so a pattern
    /// may start with a quote or an emoji.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patterns: Vec<String>,
    /// Words that are contempt unless aimed at ourselves ("idiots", "morons").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub insults: Vec<String>,
    /// Words and emoji that are contempt only when aimed at a target ("dim", "🙄").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aimed: Vec<String>,
    /// Whom contempt is aimed at ("you", "customers"); the organisation's customer names are
    /// targets too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// Ourselves ("we", "I"): an insult aimed here is self-deprecation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ourselves: Vec<String>,
    /// Words between a target and an aimed word that take the sting out ("not", "never").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub negations: Vec<String>,
    /// Innocent wording: a match inside one of these is not a finding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<String>,
    /// How many words may come between a target and the word aimed at it.
    #[serde(default = "default_reach")]
    pub reach: usize,
    /// Whether a target in an earlier sentence counts: mockery tells a story ("the bloke who
    /// tried to return a half-eaten sandwich. Legend. 🙄"), an insult sits next to its target.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub across_sentences: bool,
}

fn default_reach() -> usize {
    3
}

/// The compiled detector.
#[derive(Debug)]
pub(crate) struct Contempt {
    fixed: Option<Regex>,
    insults: Option<Regex>,
    aimed: Option<Regex>,
    targets: Option<Regex>,
    ourselves: Option<Regex>,
    negations: HashSet<String>,
    except: Option<Regex>,
    reach: usize,
    across_sentences: bool,
}

/// Builds the detector. Fails when the rule gives it nothing to find, aimed words without
/// targets, or a pattern that does not compile.
pub(crate) fn compile(params: &ContemptParams, org: &Organisation) -> Result<Contempt, String> {
    let phrases = literal_regex(&params.phrases)?;
    let patterns = if params.patterns.is_empty() {
        None
    } else {
        let joined = params
            .patterns
            .iter()
            .map(|p| format!("(?:{})", ascii_boundaries(p)))
            .collect::<Vec<_>>()
            .join("|");
        Some(
            Regex::new(&format!(r"(?i)(?:{joined})"))
                .map_err(|e| format!("a pattern does not compile: {e}"))?,
        )
    };
    // Phrases and patterns behave alike; one regular expression finds both.
    let fixed = match (phrases, patterns) {
        (Some(a), Some(b)) => Some(
            Regex::new(&format!("(?:{})|(?:{})", a.as_str(), b.as_str()))
                .map_err(|e| e.to_string())?,
        ),
        (a, b) => a.or(b),
    };
    let targets: Vec<String> = params
        .targets
        .iter()
        .chain(&org.customer_names)
        .cloned()
        .collect();
    let detector = Contempt {
        fixed,
        insults: literal_regex(&params.insults)?,
        aimed: literal_regex(&params.aimed)?,
        targets: literal_regex(&targets)?,
        ourselves: literal_regex(&params.ourselves)?,
        negations: params.negations.iter().map(|n| normal(n)).collect(),
        except: literal_regex(&params.except)?,
        reach: params.reach,
        across_sentences: params.across_sentences,
    };
    if detector.fixed.is_none() && detector.insults.is_none() && detector.aimed.is_none() {
        return Err("the rule has no phrases, patterns, insults or aimed words".into());
    }
    if detector.aimed.is_some() && detector.targets.is_none() {
        return Err("aimed words need targets to be aimed at".into());
    }
    Ok(detector)
}

/// A match: its words and bytes.
type Found = (Range<usize>, Range<usize>);

impl Contempt {
    /// The nearest of `people` to `at` within `reach` words, in either direction.
    fn nearest<'p>(&self, people: &'p [Found], at: &Range<usize>) -> Option<(usize, &'p Found)> {
        people
            .iter()
            .map(|p| (gap(&p.0, at), p))
            .filter(|(d, _)| *d <= self.reach)
            .min_by_key(|(d, _)| *d)
    }

    /// The target an aimed word at `at` is aimed at: one up to `reach` words before it in
    /// its sentence with no negation between, or one straight after it.
    fn aimed_at<'p>(
        &self,
        input: &Input<'_>,
        sentence: &[usize],
        targets: &'p [Found],
        at: &Range<usize>,
    ) -> Option<&'p Found> {
        let words = &input.text.words;
        // An emoji covers no word; it belongs with the word before it.
        let anchor = if at.is_empty() {
            at.start.checked_sub(1)
        } else {
            Some(at.start)
        };
        let first = targets.partition_point(|t| t.0.end + self.reach < at.start);
        targets[first..]
            .iter()
            .take_while(|t| t.0.start <= at.end)
            .find(|t| {
                if t.0.end <= at.start {
                    let same_sentence = self.across_sentences
                        || anchor.is_some_and(|a| sentence.get(a) == sentence.get(t.0.start));
                    let negated = words[t.0.end..at.start.min(words.len())]
                        .iter()
                        .any(|w| self.negations.contains(&normal(w.text)));
                    same_sentence && !negated && gap(&t.0, at) <= self.reach
                } else {
                    t.0.start == at.end
                }
            })
    }
}

impl Detect for Contempt {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        let text = input.text;
        let found = |re: &Option<Regex>| re.as_ref().map(|r| matches(text, r)).unwrap_or_default();
        let mut ranges: Vec<Range<usize>> = found(&self.fixed).into_iter().map(|f| f.1).collect();
        let insults = found(&self.insults);
        let aimed = found(&self.aimed);
        if !insults.is_empty() || !aimed.is_empty() {
            let targets = found(&self.targets);
            let ourselves = found(&self.ourselves);
            for insult in insults {
                let target = self.nearest(&targets, &insult.0);
                let us = self.nearest(&ourselves, &insult.0);
                let at_us = match (target, us) {
                    (Some((t, _)), Some((u, _))) => u < t,
                    (None, Some(_)) => true,
                    _ => false,
                };
                if !at_us {
                    ranges.push(insult.1);
                }
            }
            if !aimed.is_empty() && !targets.is_empty() {
                let sentence = sentences(text);
                for word in aimed {
                    if let Some(target) = self.aimed_at(input, &sentence, &targets, &word.0) {
                        let (a, b) = (&word.1, &target.1);
                        ranges.push(a.start.min(b.start)..a.end.max(b.end));
                    }
                }
            }
        }
        if ranges.is_empty() {
            return;
        }
        let innocent: Vec<Range<usize>> = self
            .except
            .as_ref()
            .map(|e| e.find_iter(text.body).map(|m| m.range()).collect())
            .unwrap_or_default();
        ranges.retain(|r| {
            !innocent
                .iter()
                .any(|i| i.start <= r.start && r.end <= i.end)
        });
        ranges.sort_by_key(|r| (r.start, r.end));
        // One finding per stretch of text: "dim" and "dim customers" are one thing.
        let mut merged: Vec<Range<usize>> = Vec::new();
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start < last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        hits.extend(merged.into_iter().map(Hit::at));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::{Detector, Pack};
    use crate::subject::Subject;
    use crate::text::Text;
    use countersign_core::Network;

    /// Every contempt rule of the built-in pack, by id.
    fn rules() -> Vec<(String, Contempt)> {
        Pack::builtin()
            .rules
            .iter()
            .filter_map(|r| match &r.detector {
                Detector::Contempt(p) => Some((
                    r.id.clone(),
                    compile(p, &Organisation::default()).unwrap_or_else(|e| panic!("{e}")),
                )),
                _ => None,
            })
            .collect()
    }

    /// (rule, text found) for every hit of the built-in contempt rules.
    fn found(body: &str) -> Vec<(String, String)> {
        let text = Text::new(body);
        let subject = Subject::text(body, Network::X);
        let input = Input {
            text: &text,
            subject: &subject,
        };
        let mut all = Vec::new();
        for (id, rule) in rules() {
            let mut hits = Vec::new();
            rule.find(&input, &mut hits);
            all.extend(
                hits.into_iter()
                    .filter_map(|h| h.range.map(|r| (id.clone(), body[r].to_owned()))),
            );
        }
        all
    }

    fn rule_ids(body: &str) -> Vec<String> {
        let mut ids: Vec<String> = found(body).into_iter().map(|(id, _)| id).collect();
        ids.dedup();
        ids
    }

    #[test]
    fn the_snappy_reply_to_gary_is_sarcasm() {
        let body = "Gary mate, it says 'processing' because it's PROCESSING. Not sure how we can \
                    make that any simpler for you 🙄 Maybe read the email before tweeting us a \
                    third time?";
        let hits = found(body);
        assert!(
            hits.iter().any(|(id, _)| id == "contempt.sarcasm"),
            "sarcasm aimed at a customer: {hits:?}"
        );
        assert!(
            hits.iter().any(|(_, s)| s.contains("🙄")),
            "the eye-roll next to 'you' is found: {hits:?}"
        );
    }

    #[test]
    fn a_list_of_customers_questions_to_laugh_at_is_mockery() {
        let body = "Top 5 things customers asked us this week 😂 5. 'Is this the pharmacy?' (the \
                    sign above the counter says PHARMACY) 4. 'Do you sell things?' Honestly some \
                    people shouldn't be let out 🙃 #retaillife";
        assert_eq!(rule_ids(body), ["contempt.mockery"], "{:?}", found(body));
        assert_eq!(
            rule_ids("Another day, another customer who can't read a sign 😂 #retaillife"),
            ["contempt.mockery"]
        );
    }

    #[test]
    fn insults_and_aimed_words_are_found_when_aimed_at_customers() {
        for body in [
            "Some of our customers are honestly so dim",
            "Are you thick? It's on the receipt.",
            "What a bunch of morons",
            "Clueless customers again today",
            "You're clueless, mate.",
            "Only an idiot would queue for that",
        ] {
            assert!(!found(body).is_empty(), "contempt: {body}");
        }
    }

    #[test]
    fn strong_words_used_innocently_polite_replies_and_jokes_about_ourselves_are_clean() {
        for body in [
            "A killer deal on candles this week 🔥",
            "Insanely good value: stupidly comfy slippers at crazy prices",
            "Quiet hour is back: every Tuesday our stores dim the lights, turn off the music \
             and switch off the tannoy for customers who find shopping overwhelming.",
            "Our thick knit jumpers will keep you warm all winter.",
            "Hi Dan, you're entitled to a full refund and we've started it today.",
            "You're not stupid for asking, lots of people miss that step.",
            "We're such idiots: we put the wrong date on yesterday's post. It's Monday!",
            "Hi, sorry to hear you've had a bad experience. Could you tell us which store and \
             what happened? We'd like to put it right. ^Jack",
            "We can't change an order once it has shipped, but you can return it free within \
             30 days.",
            "Which one's going under your tree this year? 🎁 Tell us below 👇",
            "Don't be daft, it was our pleasure!",
            "Unlike SOME high street chemists, our prices don't need a magnifying glass 🔍😉",
            "Hi Tracey, sorry to hear that. A zip shouldn't give up after two wears.",
        ] {
            assert_eq!(found(body), Vec::<(String, String)>::new(), "clean: {body}");
        }
    }

    #[test]
    fn a_rule_with_aimed_words_needs_targets() {
        let params = ContemptParams {
            aimed: vec!["dim".into()],
            reach: 3,
            ..ContemptParams::default()
        };
        assert!(compile(&params, &Organisation::default()).is_err());
    }

    #[test]
    fn scare_quotes_a_lone_eye_roll_and_a_story_about_a_described_customer_are_contempt() {
        for (body, rule) in [
            (
                "Thanks for the 'helpful' suggestion, Pete. It's gone straight in the bin.",
                "contempt.sarcasm",
            ),
            (
                "Wow, thanks so much for the feedback, we'll look at that 🙄",
                "contempt.sarcasm",
            ),
            (
                "Shout out to the bloke in Leeds who tried to return a melted candle because it \
                 'burned too fast'. Priceless. 😂",
                "contempt.mockery",
            ),
        ] {
            assert!(rule_ids(body).iter().any(|id| id == rule), "{rule}: {body}");
        }
        assert!(
            found("😂 We love this, Jade! Your pup clearly approves of his new bed.").is_empty(),
            "laughing with a customer is not laughing at one"
        );
    }

    #[test]
    fn sarcasm_without_an_insult_word_is_found() {
        for body in [
            "Checking the tracking before messaging us. What a concept 👏",
            "You can collect it from the locker yourself. We believe in you 🙂",
            "Bless you, Karen. The opening hours are on the door.",
            "ok boomer, the app does it for you",
            "The size is on the label. Reading is hard, isn't it?",
            "Listening 👏 to 👏 customers 👏",
            "It's in the email, sweetie.",
            "Calm down hun, it's a candle",
            "Nearly there, you can do it 🙃",
        ] {
            assert!(!found(body).is_empty(), "sarcasm: {body}");
        }
    }

    #[test]
    fn a_customers_words_echoed_to_laugh_at_them_are_mockery() {
        for body in [
            "Today's favourite DM: \"WHY IS MY PARCEL NOT HERE YET\" 😂 it was ordered an hour ago",
            "WHERE IS MY REFUND lol, it's a Sunday",
            "Apparently our candles are 'too candley' 🙄",
        ] {
            assert!(
                rule_ids(body).iter().any(|id| id == "contempt.mockery"),
                "{body}: {:?}",
                found(body)
            );
        }
    }

    #[test]
    fn warm_praise_pet_names_in_thanks_and_happy_quotes_are_clean() {
        for body in [
            "Thanks hun! Your order is on its way 💕",
            "Aww bless you Jade, thank you so much for the lovely review!",
            "Congratulations to our Leeds winners 👏👏👏",
            "Well done to everyone who ran the Leeds 10k for charity 👏",
            "Hope you enjoy it 🙂 Let us know how you get on.",
            "\"Best candle I've ever bought\" 😍 thank you, Sue!",
            "Our new LEEDS FLAGSHIP STORE opens on Friday 🎉",
            "You've got this! Good luck with the marathon on Sunday 💪",
            "Assembly is tricky, isn't it? Here's our video guide to help.",
        ] {
            assert_eq!(found(body), Vec::<(String, String)>::new(), "clean: {body}");
        }
    }
}
