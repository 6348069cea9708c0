//! Health and private life of people readers could identify.
//!
//! A health word on its own is not a finding: "flu jabs in stock" is a service, "if you're
//! coeliac, pick our gluten-free range" is advice. It becomes one when it is tied to
//! somebody readers could pick out, other than the reader being addressed:
//!
//! - a **person**: one of the organisation's VIP or customer names, a name in the possessive
//!   ("Ava Sinclair's"), a name after a title ("Mrs Patel") or a full name ("Ava Sinclair");
//! - a **relative** of someone ("her mother", "Jenny's mum", "your mum": a third party even
//!   when the draft talks to "you");
//! - a **description** that gives them away ("the lady from the flower shop", "a famous
//!   footballer's wife", "our regular from number 12").
//!
//! The detector finds those references once per draft, then looks at each health detail
//! (neighbouring health words merged: "blood pressure tablets") and asks whose it is:
//!
//! - owned by a person or relative ("mum's tablets", "Sinclair's prescription"): a finding;
//! - owned by "her"/"his"/"their" with a person or relative within the pronoun's reach: a
//!   finding;
//! - owned by "your": the reader's own. Only a named condition or medicine is a finding
//!   ("your insulin"); "your prescription will be ready at 2pm" is not;
//! - owned by "our": the organisation's ("our pharmacy", "our flu clinic"), never a finding;
//! - owned by nobody: a condition or medicine within the window of a person is a finding;
//!   a generic word ("prescription", "tablets") only next to a person, relative or
//!   description in the same sentence.
//!
//! Sentences with general-message cues ("if", "anyone", "ask our pharmacist") make "your
//! child" and "your mum" hypothetical rather than somebody in particular.

use super::near::{
    ascii_boundaries, gap, literal_regex, matches, normal, sentences, starts_sentence, word_span,
};
use super::{Detect, Hit, Input};
use crate::pack::Organisation;
use crate::text::Text;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// Parameters of the detector: its word lists, all matched case-blind as whole words.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthParams {
    /// Conditions, diagnoses, pregnancy and treatments ("anxiety", "pregnant", "diagnosed").
    pub conditions: Vec<String>,
    /// Medicines and pharmacy purchases that say something about health
    /// ("antidepressants", "pregnancy test", "morning-after pill").
    pub medicines: Vec<String>,
    /// Words that are about health only when tied to somebody ("prescription", "tablets",
    /// "pharmacy").
    pub generic: Vec<String>,
    /// Words after a health word that make it a service on offer ("checks", "clinic", "jab"):
    /// "blood pressure checks" says nothing about anybody.
    #[serde(default)]
    pub services: Vec<String>,
    /// Relatives ("mum", "wife"), a reference to somebody after a possessive ("her mum").
    pub relatives: Vec<String>,
    /// Regular expressions for descriptions that identify someone ("the lady from",
    /// `from number \d+`, "famous").
    #[serde(default)]
    pub descriptors: Vec<String>,
    /// Titles before a name ("Mrs", "Dr").
    #[serde(default)]
    pub titles: Vec<String>,
    /// Capitalised words that are not names: words that start sentences ("This"), days,
    /// months, "Children's", "Mother's".
    #[serde(default)]
    pub not_names: Vec<String>,
    /// Words after which a capitalised word is a place or a thing ("at", "in", "our").
    #[serde(default)]
    pub place_words: Vec<String>,
    /// Words after a capitalised word that make it somebody ("was", "bought", "who").
    #[serde(default)]
    pub person_verbs: Vec<String>,
    /// Nouns before a name that say it is somebody's ("our customer Dawn Pickering").
    #[serde(default)]
    pub person_nouns: Vec<String>,
    /// Nouns for staff before a name ("our colleague Sarah", "pharmacist Priya"): somebody,
    /// but usually the one giving a service, so only the health words in their sentence
    /// are taken to be about them ("our colleague Sarah is on medical leave").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub staff_nouns: Vec<String>,
    /// Words that introduce the reader, whose name is not a third party ("Hi", "Thanks").
    #[serde(default)]
    pub greetings: Vec<String>,
    /// Phrases that make a sentence general advice rather than about somebody ("if",
    /// "anyone", "ask our pharmacist").
    #[serde(default)]
    pub general: Vec<String>,
    /// Endings that make a word a condition or a procedure whatever the word
    /// ("-ectomy", "-itis", "-oscopy"): "hysterectomy", "tonsillitis" and "colonoscopy" need
    /// no list of their own. Matched on words of at least three letters before the ending.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub condition_endings: Vec<String>,
    /// Words with one of those endings that are not about health ("nostalgia", "diploma").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_conditions: Vec<String>,
    /// Emoji that say "medicine" or "hospital" ("💊", "🩺"): about somebody only right next
    /// to them ("Spotted Tom Hardy 💊👀"), since a pharmacy's own posts are full of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emoji: Vec<String>,
    /// Words that make a run of capitalised words an event, a campaign or an organisation,
    /// not a person ("Pride Month", "Menopause Awareness Week", "Cancer Research UK").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub event_words: Vec<String>,
    /// Pronouns that point back at somebody named in an earlier sentence ("he", "she"):
    /// "Tom Hardy popped in. He picked up Viagra."
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject_pronouns: Vec<String>,
    /// How many words may lie between a health detail and the person it is about.
    #[serde(default = "default_window")]
    pub window: usize,
}

fn default_window() -> usize {
    12
}

/// How much a health word says on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Weight {
    /// "prescription", "tablets": only tied to somebody.
    Generic,
    /// "💊": only right next to somebody named, listed, related or described.
    Emoji,
    /// "anxiety", "insulin", "pregnancy test".
    Named,
}

/// What a reference to a person is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    /// One of the organisation's VIP or customer names.
    Listed,
    /// A name in the possessive ("Sinclair's") or after a title ("Mrs Patel").
    Marked,
    /// A name after a noun for staff ("our pharmacist Priya", "our colleague Sarah"):
    /// pharmacy posts introduce the people giving a service this way all the time, so
    /// like a bare name it is about the health words of its own sentence only.
    Introduced,
    /// A full name or a name doing something ("Ava Sinclair", "Jenny was").
    Bare,
    /// A relative after a possessive. `yours` when the possessive is "your": hypothetical in
    /// general advice ("if your child has a fever").
    Relative { yours: bool },
    /// A description that gives someone away.
    Described,
}

#[derive(Clone, Debug)]
struct Person {
    words: Range<usize>,
    bytes: Range<usize>,
    who: Who,
    /// Two or more words of name ("Tom Hardy"): a full name is somebody even unlisted.
    full: bool,
}

/// Who owns a health detail, from the possessive before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    Nobody,
    /// "your": the reader.
    Reader,
    /// "our", "its": the organisation, or a thing.
    Organisation,
    /// "my": the author.
    Author,
    /// "her", "his", "their": somebody mentioned nearby.
    Pronoun,
    /// The word before is a person or relative in the possessive; its index.
    Person(usize),
}

/// The compiled detector.
#[derive(Debug)]
pub(crate) struct HealthAboutPerson {
    terms: Regex,
    weights: HashMap<String, Weight>,
    term_words: HashSet<String>,
    services: HashSet<String>,
    relatives: HashSet<String>,
    descriptors: Option<Regex>,
    listed: Option<Regex>,
    titles: HashSet<String>,
    not_names: HashSet<String>,
    place_words: HashSet<String>,
    person_verbs: HashSet<String>,
    person_nouns: HashSet<String>,
    staff_nouns: HashSet<String>,
    greetings: HashSet<String>,
    general: Option<Regex>,
    not_conditions: HashSet<String>,
    event_words: HashSet<String>,
    subject_pronouns: HashSet<String>,
    window: usize,
}

fn set(words: &[String]) -> HashSet<String> {
    words.iter().map(|w| normal(w)).collect()
}

/// Builds the detector from the rule's lists and the organisation's VIP and customer names.
pub(crate) fn compile(
    params: &HealthParams,
    org: &Organisation,
) -> Result<HealthAboutPerson, String> {
    let mut weights = HashMap::new();
    for (list, weight) in [
        (&params.generic, Weight::Generic),
        (&params.conditions, Weight::Named),
        (&params.medicines, Weight::Named),
    ] {
        for term in list {
            weights.insert(normal(term), weight);
        }
    }
    for e in &params.emoji {
        weights.insert(normal(e), Weight::Emoji);
    }
    let all: Vec<String> = params
        .conditions
        .iter()
        .chain(&params.medicines)
        .chain(&params.generic)
        .chain(&params.emoji)
        .cloned()
        .collect();
    if all.iter().all(|t| t.trim().is_empty()) {
        return Err("the detector needs health words (conditions, medicines or generic)".into());
    }
    let term_words = weights
        .keys()
        .flat_map(|t| t.split(' ').map(str::to_owned).collect::<Vec<_>>())
        .collect();
    let descriptors = if params.descriptors.is_empty() {
        None
    } else {
        let joined = params
            .descriptors
            .iter()
            .map(|p| format!("(?:{})", ascii_boundaries(p)))
            .collect::<Vec<_>>()
            .join("|");
        Some(
            Regex::new(&format!(r"(?i)(?-u:\b)(?:{joined})"))
                .map_err(|e| format!("a descriptor does not compile: {e}"))?,
        )
    };
    let names: Vec<String> = org
        .vip_names
        .iter()
        .chain(&org.customer_names)
        .cloned()
        .collect();
    let listed_terms = literal_regex(&all)?.ok_or("the detector needs health words")?;
    // Words with a condition's ending come after the listed words in one alternation, so
    // a listed word ("diagnosis") keeps its own weight.
    let endings: Vec<String> = params
        .condition_endings
        .iter()
        .map(|e| e.trim())
        .filter(|e| !e.is_empty())
        .map(regex::escape)
        .collect();
    let terms = if endings.is_empty() {
        listed_terms
    } else {
        Regex::new(&format!(
            r"{}|(?i:(?-u:\b)[a-z]{{3,}}(?:{})(?-u:\b))",
            listed_terms.as_str(),
            endings.join("|")
        ))
        .map_err(|e| format!("the condition endings do not compile: {e}"))?
    };
    Ok(HealthAboutPerson {
        terms,
        weights,
        term_words,
        services: set(&params.services),
        relatives: set(&params.relatives),
        descriptors,
        listed: literal_regex(&names)?,
        titles: set(&params.titles),
        not_names: set(&params.not_names),
        place_words: set(&params.place_words),
        person_verbs: set(&params.person_verbs),
        person_nouns: set(&params.person_nouns),
        staff_nouns: set(&params.staff_nouns),
        greetings: set(&params.greetings),
        general: literal_regex(&params.general)?,
        not_conditions: set(&params.not_conditions),
        event_words: set(&params.event_words),
        subject_pronouns: set(&params.subject_pronouns),
        window: params.window,
    })
}

/// A word without its possessive ending: "Sinclair's" is "sinclair", `true`.
fn base(lower: &str) -> (&str, bool) {
    match lower.strip_suffix("'s") {
        Some(b) => (b, true),
        None => (lower, false),
    }
}

/// A word as the lists hold it: lower case, one kind of apostrophe. Cheaper than
/// [`normal`], which also collapses spaces a single word does not have.
fn lower_word(word: &str) -> String {
    let lower = word.to_lowercase();
    if lower.contains('’') {
        lower.replace('’', "'")
    } else {
        lower
    }
}

/// Everything about one draft the rules compare: its words' sentences and the people in it.
struct Draft<'t> {
    text: &'t Text<'t>,
    /// Each word as the lists hold it ([`lower_word`]).
    lower: Vec<String>,
    sentence: Vec<usize>,
    general: Vec<bool>,
    /// Sentences with a pronoun that points back at somebody ("He picked up …").
    pointing: Vec<bool>,
    people: Vec<Person>,
}

impl HealthAboutPerson {
    fn is_capitalised_word(&self, text: &Text<'_>, i: usize) -> bool {
        let Some(w) = text.words.get(i) else {
            return false;
        };
        let letters = w.text.chars().filter(|c| c.is_alphabetic()).count();
        let shouting = w
            .text
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase);
        // '#Tag' and '@handle' are not names written in prose.
        let tagged = text.body[..w.start].ends_with(['#', '@']);
        w.is_capitalised() && letters > 1 && !shouting && !tagged
    }

    /// True when word `i` could be (part of) a name: capitalised, not a listed non-name,
    /// not a health word ("Pharmacy First").
    fn name_like(&self, text: &Text<'_>, lower: &[String], i: usize) -> bool {
        if !self.is_capitalised_word(text, i) {
            return false;
        }
        let (b, _) = base(&lower[i]);
        !self.not_names.contains(b)
            && !self.term_words.contains(b)
            && !self.greetings.contains(b)
            && !self.titles.contains(b)
            && !self.relatives.contains(b)
    }

    /// Words that name the reader: after a greeting ("Hi Gary"), first and followed by a
    /// comma ("Gary mate,"), or set off by commas (", Sue,").
    fn addressees(&self, text: &Text<'_>, lower: &[String]) -> HashSet<usize> {
        let mut found = HashSet::new();
        let words = &text.words;
        for i in 0..words.len() {
            if !self.name_like(text, lower, i) {
                continue;
            }
            let after_greeting = i > 0 && self.greetings.contains(&lower[i - 1]);
            let before = if i == 0 {
                ""
            } else {
                &text.body[words[i - 1].end..words[i].start]
            };
            let after = text.body[words[i].end..].chars().next().unwrap_or('.');
            let first_then_comma = i == 0 && after == ',';
            let vocative = before.trim() == "," && matches!(after, ',' | '.' | '!' | '?');
            if after_greeting || vocative || first_then_comma {
                found.insert(i);
                // A surname after the first name: "Hi Maureen Bellamy,".
                if i + 1 < words.len() && after == ' ' && self.name_like(text, lower, i + 1) {
                    found.insert(i + 1);
                }
            }
        }
        found
    }

    fn people(&self, text: &Text<'_>, lower: &[String], sentence: &[usize]) -> Vec<Person> {
        let words = &text.words;
        let mut people = Vec::new();
        if let Some(listed) = &self.listed {
            for (w, b) in matches(text, listed) {
                people.push(Person {
                    words: w,
                    bytes: b,
                    who: Who::Listed,
                    full: true,
                });
            }
        }
        if let Some(descriptors) = &self.descriptors {
            for (w, b) in matches(text, descriptors) {
                people.push(Person {
                    words: w,
                    bytes: b,
                    who: Who::Described,
                    full: false,
                });
            }
        }
        let addressees = self.addressees(text, lower);
        let mut i = 0;
        while i < words.len() {
            if self.relatives.contains(base(&lower[i]).0) {
                if let Some(owner) = self.relative_owner(text, lower, i) {
                    people.push(Person {
                        words: owner.start..i + 1,
                        bytes: words[owner.start].start..words[i].end,
                        who: Who::Relative {
                            yours: matches!(lower[owner.start].as_str(), "your" | "ur" | "yr"),
                        },
                        full: false,
                    });
                }
                i += 1;
                continue;
            }
            if addressees.contains(&i) || !self.name_like(text, lower, i) {
                i += 1;
                continue;
            }
            // A run of name-like words is one name: "Ava Sinclair's".
            let mut end = i + 1;
            while end < words.len()
                && sentence[end] == sentence[i]
                && !addressees.contains(&end)
                && !base(&lower[end - 1]).1
                && text.body[words[end - 1].end..words[end].start]
                    .trim()
                    .is_empty()
                && self.name_like(text, lower, end)
            {
                end += 1;
            }
            // "New Year's Eve", "St John's Wort": a possessive inside a proper name.
            let in_proper_name = end < words.len()
                && sentence[end] == sentence[i]
                && self.is_capitalised_word(text, end);
            let last_possessive = base(&lower[end - 1]).1 && !in_proper_name;
            // "Pride Month", "Menopause Awareness Week", "Cancer Research UK": capitalised,
            // but an event or an organisation, whichever of its words says so (the next
            // capitalised word too, when it is not name-like: "Macmillan Coffee Morning").
            let event = (i..=end).any(|k| {
                lower.get(k).is_some_and(|w| {
                    (k < end || self.is_capitalised_word(text, k))
                        && self.event_words.contains(base(w).0)
                })
            });
            if event {
                i = end;
                continue;
            }
            let before = i.checked_sub(1).map(|p| lower[p].as_str());
            let introduced = before.is_some_and(|p| self.staff_nouns.contains(p));
            let titled = introduced
                || before.is_some_and(|p| {
                    self.titles.contains(p.trim_end_matches('.')) || self.person_nouns.contains(p)
                });
            let placed = before.is_some_and(|p| self.place_words.contains(p));
            let at_start = starts_sentence(sentence, i);
            let full = end - i >= 2;
            let acting = lower
                .get(end)
                .is_some_and(|next| self.person_verbs.contains(next))
                && sentence.get(end) == sentence.get(i);
            let who = if introduced {
                Some(Who::Introduced)
            } else if titled {
                Some(Who::Marked)
            } else if placed {
                None
            } else if last_possessive {
                Some(Who::Marked)
            } else if (full && !at_start) || acting {
                Some(Who::Bare)
            } else {
                None
            };
            if let Some(who) = who {
                let first = if titled { i - 1 } else { i };
                people.push(Person {
                    words: first..end,
                    bytes: words[first].start..words[end - 1].end,
                    who,
                    full,
                });
            }
            i = end;
        }
        people.sort_by_key(|p| p.words.start);
        people
    }

    /// The possessive before relative `i` ("her", "your", "Jenny's", "Ava Sinclair's"), as
    /// the span from its first word, or none ("every kind of mum").
    fn relative_owner(&self, text: &Text<'_>, lower: &[String], i: usize) -> Option<Range<usize>> {
        let p = i.checked_sub(1)?;
        if !text.body[text.words[p].end..text.words[i].start]
            .trim()
            .is_empty()
        {
            return None;
        }
        match lower[p].as_str() {
            // "ur nan", "yr dad", and the North's "me mam": the same possessives written
            // as people text.
            "her" | "his" | "their" | "your" | "ur" | "yr" | "my" | "me" | "our" => {
                return Some(p..p + 1);
            }
            _ => {}
        }
        let (b, possessive) = base(&lower[p]);
        if !possessive {
            return None;
        }
        if self.relatives.contains(b) {
            // "your mum's sister": the owner chain starts further back.
            return Some(self.relative_owner(text, lower, p).map_or(p, |r| r.start)..p + 1);
        }
        if self.name_like(text, lower, p)
            || (b != "it" && b != "that" && !self.not_names.contains(b))
        {
            // A name runs back over name-like words joined by spaces only: "Hartwell
            // Harrogate! ⭐ Ava Sinclair's" is Ava Sinclair's, not a shop's.
            let mut start = p;
            while start > 0
                && self.name_like(text, lower, start - 1)
                && text.body[text.words[start - 1].end..text.words[start].start]
                    .trim()
                    .is_empty()
            {
                start -= 1;
            }
            return Some(start..p + 1);
        }
        None
    }

    /// Who owns the detail starting at word `first`: the possessive among the three words
    /// before it, in its sentence.
    fn owner(&self, draft: &Draft<'_>, first: usize) -> Owner {
        for back in 1..=3 {
            let Some(p) = first.checked_sub(back) else {
                break;
            };
            if draft.sentence[p] != draft.sentence[first] {
                break;
            }
            match draft.lower[p].as_str() {
                "your" | "yours" | "ur" | "yr" => return Owner::Reader,
                "our" | "its" => return Owner::Organisation,
                "my" => return Owner::Author,
                "her" | "his" | "their" => return Owner::Pronoun,
                // Prepositions end the noun phrase: "prescription for her anxiety".
                "for" | "of" | "with" | "to" | "from" | "on" | "in" | "at" | "is" | "was"
                | "are" | "were" | "has" | "had" | "be" | "been" => break,
                _ => {}
            }
            if base(&draft.lower[p]).1 {
                return match draft
                    .people
                    .iter()
                    .position(|person| person.words.end == p + 1)
                {
                    Some(index) => Owner::Person(index),
                    None => Owner::Organisation,
                };
            }
        }
        Owner::Nobody
    }

    /// The person a detail at `words` is about, if any, by the rules in the module's docs;
    /// `Err` when it is the reader's own. A `service` ("blood pressure checks") is about
    /// somebody only when they are named, listed or described in its sentence.
    fn about<'d>(
        &self,
        draft: &'d Draft<'_>,
        words: &Range<usize>,
        weight: Weight,
        service: bool,
    ) -> Option<Result<&'d Person, ()>> {
        let general = draft.general[draft.sentence[words.start]];
        let counts = |p: &Person| match p.who {
            Who::Relative { yours: true } => !general,
            _ => true,
        };
        let same_sentence =
            |p: &Person| draft.sentence[p.words.start] == draft.sentence[words.start];
        let strong = |p: &Person| matches!(p.who, Who::Listed | Who::Marked | Who::Described);
        // Names that say nothing more than that somebody is called that.
        let weak = |p: &Person| matches!(p.who, Who::Bare | Who::Introduced);
        let nearest = |reach_back: usize, reach_on: usize, ok: &dyn Fn(&Person) -> bool| {
            draft
                .people
                .iter()
                .filter(|p| counts(p) && ok(p))
                .filter(|p| {
                    // A VIP or known customer is recognisable from further away.
                    let scale = if p.who == Who::Listed { 2 } else { 1 };
                    let d = gap(&p.words, words);
                    if p.words.start < words.start {
                        d <= reach_back * scale
                    } else {
                        d <= reach_on * scale
                    }
                })
                .min_by_key(|p| gap(&p.words, words))
        };
        let named_in_sentence =
            || nearest(self.window, self.window, &|p| strong(p) && same_sentence(p));
        if service {
            return named_in_sentence().map(Ok);
        }
        if weight == Weight::Emoji {
            // "Tom Hardy 💊", "Ava's mum 💉": right next to somebody a reader can pick out.
            return nearest(2, 2, &|p| {
                same_sentence(p)
                    && match p.who {
                        Who::Listed | Who::Described | Who::Relative { .. } => true,
                        Who::Marked | Who::Bare => p.full || p.who == Who::Marked,
                        Who::Introduced => false,
                    }
            })
            .map(Ok);
        }
        // "Tom Hardy popped in. He picked up …": a full name in an earlier sentence, when
        // this one points back at somebody.
        let pointed_back = |p: &Person| {
            p.full && p.words.start < words.start && draft.pointing[draft.sentence[words.start]]
        };
        match self.owner(draft, words.start) {
            Owner::Author => None,
            // "our weight loss service" is ours, unless a named person joined it.
            Owner::Organisation => match weight {
                Weight::Named => named_in_sentence().map(Ok),
                Weight::Generic | Weight::Emoji => None,
            },
            Owner::Reader => (weight == Weight::Named && !general).then_some(Err(())),
            Owner::Person(index) => draft.people.get(index).filter(|p| counts(p)).map(Ok),
            Owner::Pronoun => nearest(self.window * 2, self.window / 2, &|p| !weak(p))
                .or_else(|| nearest(self.window, 0, &|p| same_sentence(p) || p.full))
                .map(Ok),
            Owner::Nobody => match weight {
                Weight::Named => nearest(self.window, self.window, &|p| {
                    !weak(p) || same_sentence(p) || pointed_back(p)
                })
                .map(Ok),
                Weight::Generic | Weight::Emoji => {
                    nearest(self.window, self.window, &|p| !weak(p) && same_sentence(p)).map(Ok)
                }
            },
        }
    }

    /// True when the detail at `words` is part of a proper name written in capitals
    /// ("Diabetes UK", "Macmillan Cancer Support", "Mental Health Awareness Week"): a
    /// charity or campaign, not anybody's health.
    fn in_proper_name(&self, draft: &Draft<'_>, words: &Range<usize>) -> bool {
        let text = draft.text;
        let first = words.start;
        if !self.is_capitalised_word(text, first) || starts_sentence(&draft.sentence, first) {
            return false;
        }
        let capital = |i: usize| {
            text.words
                .get(i)
                .is_some_and(|w| w.is_capitalised() && w.text.chars().count() > 1)
        };
        capital(words.end)
            || (first > 0 && !starts_sentence(&draft.sentence, first - 1) && capital(first - 1))
    }
}

impl Detect for HealthAboutPerson {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        let text = input.text;
        // Health words first: most drafts have none, and then nothing else is worth doing.
        let mut details: Vec<(Range<usize>, Range<usize>, Weight)> = Vec::new();
        for m in self.terms.find_iter(text.body) {
            let key = normal(m.as_str());
            // A word found by its ending alone ("tonsillitis") is a condition, unless the
            // pack says it is not one ("nostalgia").
            let weight = match self.weights.get(&key) {
                Some(&w) => w,
                None if self.not_conditions.contains(&key) => continue,
                None => Weight::Named,
            };
            let words = word_span(text, &m.range());
            // Neighbouring health words are one detail: "repeat prescription", "blood
            // pressure tablets".
            if let Some(last) = details.last_mut()
                && last.0.end == words.start
                && text.body[last.1.end..m.start()].trim().is_empty()
            {
                last.0.end = words.end;
                last.1.end = m.end();
                // An emoji beside words ("insulin 💊") says no more than the words do.
                last.2 = match (last.2, weight) {
                    (Weight::Emoji, w) | (w, Weight::Emoji) => w,
                    (a, b) => a.max(b),
                };
                continue;
            }
            details.push((words, m.range(), weight));
        }
        if details.is_empty() {
            return;
        }
        let sentence = sentences(text);
        let sentence_count = sentence.last().map_or(0, |s| s + 1);
        let mut general = vec![false; sentence_count];
        if let Some(cues) = &self.general {
            for (words, _) in matches(text, cues) {
                if let Some(&s) = sentence.get(words.start) {
                    general[s] = true;
                }
            }
        }
        let lower: Vec<String> = text.words.iter().map(|w| lower_word(w.text)).collect();
        let mut pointing = vec![false; sentence_count];
        for (i, w) in lower.iter().enumerate() {
            if self.subject_pronouns.contains(w)
                && let Some(&s) = sentence.get(i)
            {
                pointing[s] = true;
            }
        }
        let people = self.people(text, &lower, &sentence);
        let draft = Draft {
            text,
            lower,
            sentence,
            general,
            pointing,
            people,
        };
        for (words, bytes, weight) in details {
            if words.start >= text.words.len() || self.in_proper_name(&draft, &words) {
                continue;
            }
            let is_service = |i: usize| {
                text.words.get(i).is_some_and(|_| {
                    draft
                        .lower
                        .get(i)
                        .is_some_and(|w| self.services.contains(w))
                })
            };
            // "flu jab", "blood pressure checks": a service, whichever word says so.
            let service = is_service(words.end) || is_service(words.end.saturating_sub(1));
            let detail = &text.body[bytes.clone()];
            let message = match self.about(&draft, &words, weight, service) {
                None => continue,
                Some(Ok(person)) => format!(
                    "Health details (\"{detail}\") about {}, whom readers could identify",
                    &text.body[person.bytes.clone()]
                ),
                Some(Err(())) => {
                    format!("Names the reader's own condition or medicine (\"{detail}\") in public")
                }
            };
            hits.push(Hit {
                range: Some(bytes),
                message: Some(message),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing;
    use crate::pack::{Detector, Pack};
    use crate::subject::Subject;
    use countersign_core::Network;

    fn detector(org: &Organisation) -> HealthAboutPerson {
        let pack = Pack::builtin();
        let params = pack
            .rules
            .iter()
            .find_map(|r| match &r.detector {
                Detector::HealthAboutPerson(p) => Some(p.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("the built-in pack has a health rule"));
        compile(&params, org).unwrap_or_else(|e| panic!("{e}"))
    }

    fn found_with(org: &Organisation, body: &str) -> Vec<(String, String)> {
        let subject = Subject::text(body, Network::X);
        testing::hits(&detector(org), &subject)
            .into_iter()
            .map(|h| {
                (
                    h.range.map(|r| body[r].to_owned()).unwrap_or_default(),
                    h.message.unwrap_or_default(),
                )
            })
            .collect()
    }

    fn found(body: &str) -> Vec<String> {
        found_with(&Organisation::default(), body)
            .into_iter()
            .map(|(span, _)| span)
            .collect()
    }

    #[test]
    fn a_celebritys_mothers_prescription_is_found_and_the_message_says_whose() {
        let body = "Star spotting at Hartwell Harrogate! ⭐ Ava Sinclair's mum was in again today \
                    picking up her repeat prescription for her anxiety tablets. Lovely lady, \
                    always stops for a chat with the pharmacy team 💊😄 #HartwellHarrogate";
        let hits = found_with(&Organisation::default(), body);
        let spans: Vec<&str> = hits.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            spans,
            ["repeat prescription", "anxiety tablets"],
            "{hits:?}"
        );
        assert!(
            hits[1].1.contains("about Ava Sinclair's mum,"),
            "the message names who, and only who: {}",
            hits[1].1
        );
    }

    #[test]
    fn a_relative_of_the_reader_is_a_third_party() {
        assert_eq!(
            found("Hi Jenny, of course. We'll deliver your mum's blood pressure tablets today."),
            ["blood pressure tablets"]
        );
        assert_eq!(
            found("Jenny's mum is on antidepressants now"),
            ["antidepressants"]
        );
        assert_eq!(
            found("Sorry to hear his wife is pregnant again, tell her congrats"),
            ["pregnant"]
        );
    }

    #[test]
    fn described_and_listed_people_are_identifiable() {
        assert_eq!(
            found("The lady from the flower shop on Kirkgate was in for her HRT again"),
            ["HRT"]
        );
        assert_eq!(
            found("A famous footballer's wife bought three pregnancy tests today 👀"),
            ["pregnancy tests"]
        );
        assert_eq!(
            found("Our regular from number 12 is back on the methadone, bless him"),
            ["methadone"]
        );
        let org = Organisation {
            vip_names: vec!["Dale Whitmore".into()],
            ..Organisation::default()
        };
        let hits = found_with(&org, "guess who picked up a prescription: dale whitmore!");
        assert_eq!(hits.len(), 1, "a VIP's pharmacy visit: {hits:?}");
        assert_eq!(found("Saw Mrs Patel collecting her insulin"), ["insulin"]);
        assert_eq!(found("Spotted Tom Hardy buying condoms lol"), ["condoms"]);
    }

    #[test]
    fn the_readers_own_prescription_is_clean_but_naming_their_medicine_is_not() {
        assert!(found("Hi Maureen, your next prescription will be ready at 2pm.").is_empty());
        assert!(
            found(
                "We're sorry, Alan. Your prescriptions have moved to our Scarborough \
                 pharmacy, and repeat medicines can be delivered free."
            )
            .is_empty()
        );
        assert_eq!(
            found("Hi Sarah, your antidepressants are ready to collect"),
            ["antidepressants"]
        );
    }

    #[test]
    fn general_health_messages_are_clean() {
        for body in [
            "Flu jab season is here 💉 Book a free NHS flu vaccination at any of our 212 \
             pharmacies. Walk-ins welcome on Saturday mornings.",
            "Hay fever season is here 🌼 Our pharmacists can help you choose the right \
             antihistamine for you. Just ask at the counter, no appointment needed.",
            "Hi Pat, good spot. If you're coeliac, our certified gluten-free range is the one \
             to pick.",
            "Hi Rachel, yes: all 212 Hartwell pharmacies offer Pharmacy First, including \
             uncomplicated UTIs in women aged 16–64.",
            "60 seconds in the life of a Hartwell pharmacist ⏱️ From 7am deliveries to blood \
             pressure checks, meet Amira from our Sheffield Fargate store.",
            "Please stop using Hartwell Essentials Children's Paracetamol Suspension 100ml.",
            "Other batches are not affected. If your child has taken too much paracetamol, \
             call NHS 111 straight away.",
            "Mother's Day is Sunday 30 March 💐 Our gift edit has something for every kind of \
             mum, from £5.",
            "Hope your dad is enjoying the peace and quiet (or the noise!).",
            "Pregnant? Our pharmacists can tell you which vitamins are safe.",
            "A customer left her prescription on the counter, so we kept it safe.",
        ] {
            assert_eq!(found(body), Vec::<String>::new(), "general: {body}");
        }
    }

    #[test]
    fn a_charity_in_capitals_is_nobodys_health_but_a_colleagues_diagnosis_is() {
        assert!(
            found("Our colleague Tom Ashworth is running the Leeds Half Marathon for Diabetes UK.")
                .is_empty(),
            "who the run is for"
        );
        assert_eq!(
            found(
                "Our colleague Tom Ashworth is running for Diabetes UK after his own type 1 \
                 diagnosis in March."
            ),
            ["type 1 diagnosis"]
        );
        assert!(found("Opening hours for every pharmacy on New Year's Day are online.").is_empty());
    }

    #[test]
    fn a_named_person_using_a_service_is_about_them_but_the_service_alone_is_not() {
        assert_eq!(
            found(
                "Huge well done to our customer Dawn Pickering, four stone down with our weight management service!"
            ),
            ["weight management"]
        );
        assert!(
            found("Free blood pressure checks for over-40s at every pharmacy this month.")
                .is_empty()
        );
        assert!(found("Hi Gemma, your flu jab is booked for Friday at 10am.").is_empty());
    }

    #[test]
    fn informal_possessives_and_relatives_are_third_parties() {
        assert_eq!(
            found("Ur nan's insulin pens are ready to collect, Jade"),
            ["insulin pens"]
        );
        assert_eq!(
            found("Saw Dave earlier, his missus has just had a hysterectomy"),
            ["hysterectomy"]
        );
        assert_eq!(
            found("Her hubby's tonsillitis is back again, poor thing"),
            ["tonsillitis"]
        );
        assert_eq!(
            found("me mam's migraines are awful this week"),
            ["migraines"]
        );
    }

    #[test]
    fn a_condition_found_by_its_ending_needs_a_person_and_look_alikes_are_not_conditions() {
        assert_eq!(
            found("Spotted Gemma Collins picking up something for her endometriosis"),
            ["endometriosis"]
        );
        assert!(
            found("Ava Sinclair shared her nostalgia for our old aroma range").is_empty(),
            "nostalgia and aroma end like conditions but are not"
        );
        assert!(
            found("Tonsillitis season: our pharmacists can help with sore throats").is_empty(),
            "a condition with nobody attached"
        );
    }

    #[test]
    fn a_health_emoji_is_about_the_full_name_right_next_to_it_only() {
        assert_eq!(found("Spotted Harry Kane 💊👀 in Leeds today"), ["💊"]);
        for clean in [
            "Meet our pharmacist Priya Shah 💊 she runs the Leeds clinic",
            "Flu jabs 💉 now at every store, no appointment needed",
            "Harry Kane was in Leeds today signing shirts. Pop in for flu jabs 💉 all week",
        ] {
            assert!(found(clean).is_empty(), "clean: {clean}");
        }
    }

    #[test]
    fn a_full_name_in_one_sentence_is_who_he_or_she_is_in_the_next() {
        assert_eq!(
            found("Jamie Vardy popped in this morning. He bought Viagra and a meal deal"),
            ["Viagra"]
        );
        assert_eq!(
            found("Jamie Vardy popped in this morning. Picked up his statins, lovely man"),
            ["statins"]
        );
        assert!(
            found("Jamie Vardy popped in this morning. Antihistamines are 2 for £5 all week.")
                .is_empty(),
            "no pronoun points back at him"
        );
    }

    #[test]
    fn a_named_colleagues_sick_leave_is_found_but_a_colleague_offering_a_service_is_not() {
        assert_eq!(
            found(
                "Our colleague Sarah is on medical leave after her knee op, so the Otley counter closes at 4"
            ),
            ["medical leave", "knee op"]
        );
        assert_eq!(
            found("Wishing our Leeds manager Dev a speedy recovery!"),
            ["speedy recovery"]
        );
        for clean in [
            "Got questions about menopause or HRT? Our pharmacist Priya is answering them live on Thursday.",
            "Our pharmacy manager Dev will call you tomorrow about your next prescription.",
            "Our pharmacist Amira runs blood pressure checks every Tuesday.",
        ] {
            assert!(found(clean).is_empty(), "clean: {clean}");
        }
    }

    #[test]
    fn capitalised_events_and_business_news_are_not_people() {
        for clean in [
            "This Menopause Awareness Month our pharmacists can talk you through HRT options.",
            "Celebrating Pride Month with free HIV testing at our Soho pharmacy.",
            "Black Friday Week: hay fever tablets half price.",
            "Britain's biggest chemist chain reported higher sales this quarter.",
            "Rival chemist chain Lloyds is closing stores, the papers say.",
        ] {
            assert!(
                found(clean).is_empty(),
                "clean: {clean}: {:?}",
                found(clean)
            );
        }
    }
}
