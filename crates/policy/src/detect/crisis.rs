//! Crisis mode: who may speak for the organisation, and in what tone.

use super::{Detect, Hit, Input, phrase_regex};
use regex::Regex;
use serde::{Deserialize, Serialize};

/// Parameters of the crisis-speaker detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrisisSpeakerParams {
    /// Wording that speaks for the organisation ("on behalf of", "I can confirm"). A crisis
    /// draft by someone who is not a spokesperson is a finding where it uses one; with no
    /// cues, every such draft is (the span is then the whole draft's: none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cues: Vec<String>,
    /// Only on channels crisis mode covers, not on drafts merely marked as crisis drafts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub only_in_crisis_mode: bool,
}

/// Parameters of the crisis-tone detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrisisToneParams {
    /// Words that make light of things ("confessions", "lol", "fire sale").
    pub terms: Vec<String>,
    /// Emoji that read as jokes next to bad news.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emoji: Vec<String>,
    /// Earnest wording with one of the terms in it ("water and snacks", "no joke"): a term
    /// inside one of these is not a finding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<String>,
}

/// Finds crisis statements by someone who is not an authorised spokesperson that speak
/// for the organisation: in a crisis only spokespeople do. (Staff draft crisis updates for
/// a spokesperson to approve all the time; it is claiming the organisation's voice that is
/// the breach.)
#[derive(Debug)]
pub(crate) struct Speaker {
    cues: Option<Regex>,
    only_in_crisis_mode: bool,
}

impl Detect for Speaker {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        let Some(crisis) = input.subject.crisis else {
            return;
        };
        if crisis.author_is_spokesperson || (self.only_in_crisis_mode && !crisis.crisis_mode) {
            return;
        }
        match &self.cues {
            None => hits.push(Hit {
                range: None,
                message: None,
            }),
            Some(cues) => hits.extend(
                cues.find_iter(input.text.body)
                    .map(|m| Hit::at(m.range()))
                    .take(1),
            ),
        }
    }
}

pub(crate) fn speaker(params: &CrisisSpeakerParams) -> Result<Speaker, String> {
    let cues = if params.cues.is_empty() {
        None
    } else {
        Some(phrase_regex(&params.cues)?)
    };
    Ok(Speaker {
        cues,
        only_in_crisis_mode: params.only_in_crisis_mode,
    })
}

/// Finds light-hearted wording and emoji in drafts on a channel in crisis mode.
#[derive(Debug)]
pub(crate) struct Tone {
    terms: Regex,
    emoji: Vec<String>,
    except: Option<Regex>,
}

impl Detect for Tone {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        if input.subject.crisis.is_none() {
            return;
        }
        let body = input.text.body;
        let earnest: Vec<_> = self
            .except
            .as_ref()
            .map(|e| e.find_iter(body).map(|m| m.range()).collect())
            .unwrap_or_default();
        let mut found: Vec<_> = self
            .terms
            .find_iter(body)
            .map(|m| m.range())
            .filter(|r| !earnest.iter().any(|e| e.start <= r.start && r.end <= e.end))
            .collect();
        for e in &self.emoji {
            found.extend(body.match_indices(e.as_str()).map(|(i, s)| i..i + s.len()));
        }
        found.sort_by_key(|r| r.start);
        hits.extend(found.into_iter().map(Hit::at));
    }
}

pub(crate) fn tone(params: &CrisisToneParams) -> Result<Tone, String> {
    Ok(Tone {
        terms: phrase_regex(&params.terms)?,
        emoji: params.emoji.clone(),
        except: if params.except.is_empty() {
            None
        } else {
            Some(phrase_regex(&params.except)?)
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing;
    use crate::subject::{CrisisContext, Subject};
    use countersign_core::Network;

    fn hits(d: &dyn Detect, body: &str, crisis: Option<CrisisContext>) -> usize {
        let subject = Subject {
            crisis,
            ..Subject::text(body, Network::Facebook)
        };
        testing::hits(d, &subject).len()
    }

    #[test]
    fn a_non_spokesperson_speaking_for_the_organisation_in_a_crisis_is_found_where_they_do() {
        let d = speaker(&CrisisSpeakerParams {
            cues: vec!["on behalf of".into(), "I can confirm".into()],
            only_in_crisis_mode: false,
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let someone_else = Some(CrisisContext {
            author_is_spokesperson: false,
            crisis_mode: false,
        });
        let claims = "I'm the duty supervisor and I can confirm it started in the stockroom.";
        assert_eq!(hits(&d, claims, someone_else), 1);
        let update = "Leeds Briggate: everyone is safe. More when we know it.";
        assert_eq!(
            hits(&d, update, someone_else),
            0,
            "a plain update for approval"
        );
    }

    #[test]
    fn only_a_non_spokesperson_on_a_channel_in_crisis_is_an_unauthorised_speaker() {
        let d = speaker(&CrisisSpeakerParams {
            cues: vec![],
            only_in_crisis_mode: true,
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let body = "Everyone is safe.";
        assert_eq!(hits(&d, body, None), 0, "no crisis");
        let spokesperson = CrisisContext {
            author_is_spokesperson: true,
            crisis_mode: true,
        };
        let someone_else = CrisisContext {
            author_is_spokesperson: false,
            crisis_mode: true,
        };
        let marked_only = CrisisContext {
            crisis_mode: false,
            ..someone_else
        };
        assert_eq!(hits(&d, body, Some(spokesperson)), 0);
        assert_eq!(hits(&d, body, Some(someone_else)), 1);
        assert_eq!(hits(&d, body, Some(marked_only)), 0, "not in crisis mode");
    }

    #[test]
    fn light_hearted_wording_is_found_only_in_a_crisis() {
        let d = tone(&CrisisToneParams {
            terms: vec!["confessions".into()],
            emoji: vec!["🔥".into()],
            except: vec![],
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let body = "Beauty counter confessions: save one in a fire? 🔥";
        let crisis = Some(CrisisContext {
            author_is_spokesperson: true,
            crisis_mode: true,
        });
        assert_eq!(hits(&d, body, None), 0);
        assert_eq!(hits(&d, body, crisis), 2);
    }

    #[test]
    fn treats_and_jokes_in_a_crisis_are_light_hearted_unless_said_in_earnest() {
        let d = tone(&CrisisToneParams {
            terms: vec!["snacks".into(), "running on coffee".into(), "joke".into()],
            emoji: vec!["🍕".into()],
            except: vec!["water and snacks".into(), "no joke".into()],
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let crisis = Some(CrisisContext {
            author_is_spokesperson: false,
            crisis_mode: true,
        });
        assert_eq!(
            hits(&d, "Team running on coffee and snacks tonight 🍕", crisis),
            3
        );
        assert_eq!(
            hits(
                &d,
                "We are handing out water and snacks to everyone waiting. This is no joke for families.",
                crisis
            ),
            0,
            "earnest mentions"
        );
    }
}
