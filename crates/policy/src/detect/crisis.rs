//! Crisis mode: who may speak for the organisation, and in what tone.

use super::{Detect, Hit, Input, phrase_regex};
use regex::Regex;
use serde::{Deserialize, Serialize};

/// Parameters of the crisis-speaker detector: none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrisisSpeakerParams {}

/// Parameters of the crisis-tone detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrisisToneParams {
    /// Words that make light of things ("confessions", "lol", "fire sale").
    pub terms: Vec<String>,
    /// Emoji that read as jokes next to bad news.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emoji: Vec<String>,
}

/// Finds drafts on a channel in crisis mode written by someone who is not an authorised
/// spokesperson: in a crisis only spokespeople speak for the organisation.
#[derive(Debug)]
pub(crate) struct Speaker;

impl Detect for Speaker {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        if input
            .subject
            .crisis
            .is_some_and(|c| !c.author_is_spokesperson)
        {
            hits.push(Hit {
                range: None,
                message: None,
            });
        }
    }
}

pub(crate) fn speaker(_params: &CrisisSpeakerParams) -> Speaker {
    Speaker
}

/// Finds light-hearted wording and emoji in drafts on a channel in crisis mode.
#[derive(Debug)]
pub(crate) struct Tone {
    terms: Regex,
    emoji: Vec<String>,
}

impl Detect for Tone {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        if input.subject.crisis.is_none() {
            return;
        }
        let body = input.text.body;
        let mut found: Vec<_> = self.terms.find_iter(body).map(|m| m.range()).collect();
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subject::{CrisisContext, Subject};
    use crate::text::Text;
    use countersign_core::Network;

    fn hits(d: &dyn Detect, body: &str, crisis: Option<CrisisContext>) -> usize {
        let text = Text::new(body);
        let subject = Subject {
            crisis,
            ..Subject::text(body, Network::Facebook)
        };
        let mut hits = Vec::new();
        d.find(
            &Input {
                text: &text,
                subject: &subject,
            },
            &mut hits,
        );
        hits.len()
    }

    #[test]
    fn only_a_non_spokesperson_on_a_channel_in_crisis_is_an_unauthorised_speaker() {
        let d = speaker(&CrisisSpeakerParams {});
        let body = "Everyone is safe.";
        assert_eq!(hits(&d, body, None), 0, "no crisis");
        let spokesperson = CrisisContext {
            author_is_spokesperson: true,
        };
        let someone_else = CrisisContext {
            author_is_spokesperson: false,
        };
        assert_eq!(hits(&d, body, Some(spokesperson)), 0);
        assert_eq!(hits(&d, body, Some(someone_else)), 1);
    }

    #[test]
    fn light_hearted_wording_is_found_only_in_a_crisis() {
        let d = tone(&CrisisToneParams {
            terms: vec!["confessions".into()],
            emoji: vec!["🔥".into()],
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let body = "Beauty counter confessions: save one in a fire? 🔥";
        let crisis = Some(CrisisContext {
            author_is_spokesperson: true,
        });
        assert_eq!(hits(&d, body, None), 0);
        assert_eq!(hits(&d, body, crisis), 2);
    }
}
