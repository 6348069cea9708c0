//! Policy packs: the rules as data, the built-in pack, and an organisation's layer on top.
//!
//! A pack is written in TOML (admins keep theirs in a file and load it with
//! `countersign-server policy set --file pack.toml`) and travels as JSON (served at
//! `GET /api/v1/policy`, cached by desktops). Each rule names its detector in a `detector`
//! field; the detector's own parameters sit beside it:
//!
//! ```toml
//! [[rules]]
//! id = "confidential.wording"
//! category = "confidential"
//! severity = "block"
//! detector = "phrases"
//! phrases = ["internal only", "not public yet"]
//! message = "Internal-only wording in a public post"
//! reason = "Words meant for colleagues must not reach the public."
//! ```

use crate::detect::{contempt, crisis, health, network, personal, terms};
use countersign_core::Network;
use countersign_core::finding::{Category, Severity};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The pack format this build reads. A pack of another format is refused, not guessed at.
pub const FORMAT: u32 = 1;

/// The built-in pack, shipped in the binary.
const BUILTIN: &str = include_str!("../packs/default.toml");

/// A policy pack: rules, the organisation's names and terms, and per-channel overrides.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    /// The pack format ([`FORMAT`]).
    pub format: u32,
    /// A name for people: "Countersign default", "Hartwell & Lane".
    pub name: String,
    /// The revision: the built-in pack's own number, or the organisation's, counted up by
    /// the server each time an admin sets it.
    #[serde(default)]
    pub version: u64,
    /// The built-in pack this one was layered on, as `name vN`; empty for the built-in one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub base: String,
    /// The organisation's own names and terms, which several detectors read.
    #[serde(default)]
    pub organisation: Organisation,
    /// The rules, in the order reports list them.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Changes to rules by id (severity, on/off), for every channel.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub overrides: BTreeMap<String, RuleOverride>,
    /// Changes to rules by id for one channel, keyed by the channel's short name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub channels: BTreeMap<String, ChannelOverrides>,
}

/// The organisation's own vocabulary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// Project and product code names that must not be published ("Project Juniper").
    #[serde(default)]
    pub code_names: Vec<String>,
    /// Well-known people whose private life staff may come across ("Ava Sinclair").
    #[serde(default)]
    pub vip_names: Vec<String>,
    /// Customers' names known to the organisation (complaints, cases).
    #[serde(default)]
    pub customer_names: Vec<String>,
    /// Words and phrases the organisation never publishes.
    #[serde(default)]
    pub banned_terms: Vec<String>,
}

/// One rule: a detector with its parameters and what a reviewer is told.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Stable id, `category.name`.
    pub id: String,
    /// What kind of harm it finds.
    pub category: Category,
    /// How serious its findings are.
    pub severity: Severity,
    /// What is wrong, for the reviewer; a detector may say something more exact.
    pub message: String,
    /// Why the rule exists.
    pub reason: String,
    /// Off rules find nothing.
    #[serde(default = "on", skip_serializing_if = "is_on")]
    pub enabled: bool,
    /// Only drafts for these networks; empty means every network.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<Network>,
    /// How it finds, with its parameters.
    #[serde(flatten)]
    pub detector: Detector,
}

fn on() -> bool {
    true
}

fn is_on(enabled: &bool) -> bool {
    *enabled
}

/// The detectors a rule can use, each with its own parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "detector", rename_all = "snake_case")]
pub enum Detector {
    /// E-mail addresses.
    Email(personal::EmailParams),
    /// Phone numbers, international and national.
    Phone(personal::PhoneParams),
    /// Payment card numbers that pass the Luhn check.
    PaymentCard(personal::PaymentCardParams),
    /// IBANs (checked) and bank account numbers with sort codes.
    BankAccount(personal::BankAccountParams),
    /// Postal addresses and postcodes.
    PostalAddress(personal::PostalAddressParams),
    /// Dates of birth.
    DateOfBirth(personal::DateOfBirthParams),
    /// Order and booking references next to a name.
    Reference(personal::ReferenceParams),
    /// Health, medication, pregnancy or pharmacy details about someone identifiable.
    // Boxed: its word lists make it far larger than the other variants.
    HealthAboutPerson(Box<health::HealthParams>),
    /// Fixed phrases, matched case-blind on word boundaries.
    Phrases(terms::PhrasesParams),
    /// Regular expressions, for wording fixed phrases cannot catch.
    Patterns(terms::PatternsParams),
    /// One of the organisation's own lists ([`Organisation`]).
    OrganisationTerms(terms::OrganisationTermsParams),
    /// Insults, sarcasm and shaming aimed at customers.
    // Boxed, like the health detector's: many lists.
    Contempt(Box<contempt::ContemptParams>),
    /// Someone other than a spokesperson speaking on a channel in crisis mode.
    CrisisSpeaker(crisis::CrisisSpeakerParams),
    /// Light-hearted posts, or jokes about what happened, on a channel in crisis mode.
    CrisisTone(crisis::CrisisToneParams),
    /// Longer than the network allows, counted the network's way.
    Length(network::LengthParams),
    /// More hashtags than the network allows.
    Hashtags(network::HashtagsParams),
    /// Images or videos without alt text.
    AltText(network::AltTextParams),
    /// HTML or script in the text, which networks show as literal characters.
    Markup(network::MarkupParams),
}

/// A change to one rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleOverride {
    /// A new severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Turn the rule on or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

impl RuleOverride {
    /// Applies the change to `rule`.
    pub fn apply(&self, rule: &mut Rule) {
        if let Some(severity) = self.severity {
            rule.severity = severity;
        }
        if let Some(enabled) = self.enabled {
            rule.enabled = enabled;
        }
    }
}

/// What changes on one channel.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelOverrides {
    /// Changes to rules by id.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleOverride>,
}

/// Why a pack cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// Not TOML, or not the shape of a pack.
    #[error("the policy pack is not valid: {0}")]
    Syntax(#[from] toml::de::Error),
    /// Written for another version of Countersign.
    #[error("the policy pack is format {found}; this version of Countersign reads format {FORMAT}")]
    Format {
        /// The pack's format.
        found: u32,
    },
    /// Two rules share an id.
    #[error("two rules have the id {0:?}; each rule needs its own")]
    DuplicateRule(String),
    /// An override names a rule the pack does not have.
    #[error("{place} changes the rule {id:?}, which the pack does not have")]
    UnknownRule {
        /// Where the override is.
        place: String,
        /// The id it names.
        id: String,
    },
    /// A rule's parameters are unusable (a regular expression that does not compile, an
    /// empty list).
    #[error("the rule {rule:?} cannot be used: {problem}")]
    BadRule {
        /// The rule's id.
        rule: String,
        /// What is wrong.
        problem: String,
    },
}

impl Pack {
    /// The built-in pack.
    pub fn builtin() -> Pack {
        // The built-in pack is part of the binary and tested; failing to read it is a bug.
        #[allow(clippy::expect_used)]
        let pack = Pack::from_toml(BUILTIN).expect("the built-in policy pack is valid");
        #[allow(clippy::expect_used)]
        pack.check().expect("the built-in policy pack is complete");
        pack
    }

    /// Reads a pack from TOML and checks it is usable on its own.
    pub fn from_toml(source: &str) -> Result<Pack, PackError> {
        let pack: Pack = toml::from_str(source)?;
        pack.check_own()?;
        Ok(pack)
    }

    /// The pack as TOML, for `policy show`.
    pub fn to_toml(&self) -> String {
        // Every field of a pack has a TOML form.
        #[allow(clippy::expect_used)]
        toml::to_string_pretty(self).expect("a pack serialises to TOML")
    }

    /// Checks what a pack can get right on its own: its format and unique rule ids. An
    /// organisation's layer may override rules only the built-in pack has, so whether each
    /// override names a rule is checked when the layers meet ([`Pack::layered`]).
    fn check_own(&self) -> Result<(), PackError> {
        if self.format != FORMAT {
            return Err(PackError::Format { found: self.format });
        }
        let mut ids = BTreeSet::new();
        for rule in &self.rules {
            if !ids.insert(rule.id.as_str()) {
                return Err(PackError::DuplicateRule(rule.id.clone()));
            }
        }
        Ok(())
    }

    /// Checks a complete pack: `Pack::check_own`, and that every override names a rule.
    pub fn check(&self) -> Result<(), PackError> {
        self.check_own()?;
        let ids: BTreeSet<&str> = self.rules.iter().map(|r| r.id.as_str()).collect();
        let places = self
            .overrides
            .keys()
            .map(|id| ("the pack's overrides".to_owned(), id))
            .chain(self.channels.iter().flat_map(|(channel, o)| {
                o.rules
                    .keys()
                    .map(move |id| (format!("the channel {channel:?}"), id))
            }));
        for (place, id) in places {
            if !ids.contains(id.as_str()) {
                return Err(PackError::UnknownRule {
                    place,
                    id: id.clone(),
                });
            }
        }
        Ok(())
    }

    /// An organisation's pack laid over this (built-in) one: the organisation's rules replace
    /// rules with the same id and add the rest, its overrides apply to every rule, its names
    /// and terms join the base's, its channel overrides are its own.
    pub fn layered(&self, organisation: &Pack) -> Result<Pack, PackError> {
        let mut rules = self.rules.clone();
        for rule in &organisation.rules {
            match rules.iter_mut().find(|r| r.id == rule.id) {
                Some(existing) => *existing = rule.clone(),
                None => rules.push(rule.clone()),
            }
        }
        let mut overrides = self.overrides.clone();
        overrides.extend(organisation.overrides.clone());
        let merged = Pack {
            format: FORMAT,
            name: organisation.name.clone(),
            version: organisation.version,
            base: format!("{} v{}", self.name, self.version),
            organisation: self.organisation.joined(&organisation.organisation),
            rules,
            overrides,
            channels: organisation.channels.clone(),
        };
        merged.check()?;
        Ok(merged)
    }

    /// The rules as they apply on `channel`: the pack's overrides, then the channel's.
    pub fn rules_for(&self, channel: Option<&str>) -> Vec<Rule> {
        let channel = channel.and_then(|c| self.channels.get(c));
        self.rules
            .iter()
            .map(|rule| {
                let mut rule = rule.clone();
                if let Some(o) = self.overrides.get(&rule.id) {
                    o.apply(&mut rule);
                }
                if let Some(o) = channel.and_then(|c| c.rules.get(&rule.id)) {
                    o.apply(&mut rule);
                }
                rule
            })
            .collect()
    }
}

impl Organisation {
    fn joined(&self, other: &Organisation) -> Organisation {
        fn join(a: &[String], b: &[String]) -> Vec<String> {
            let mut all = a.to_vec();
            for s in b {
                if !all.contains(s) {
                    all.push(s.clone());
                }
            }
            all
        }
        Organisation {
            code_names: join(&self.code_names, &other.code_names),
            vip_names: join(&self.vip_names, &other.vip_names),
            customer_names: join(&self.customer_names, &other.customer_names),
            banned_terms: join(&self.banned_terms, &other.banned_terms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_pack_reads_and_round_trips_through_toml_and_json() {
        let pack = Pack::builtin();
        assert!(pack.rules.len() >= 15, "{} rules", pack.rules.len());
        assert_eq!(Pack::from_toml(&pack.to_toml()).ok(), Some(pack.clone()));
        let json = serde_json::to_string(&pack).unwrap_or_default();
        let back: Option<Pack> = serde_json::from_str(&json).ok();
        assert_eq!(back, Some(pack));
    }

    #[test]
    fn every_category_has_a_rule_in_the_builtin_pack() {
        let pack = Pack::builtin();
        for category in Category::ALL {
            assert!(
                pack.rules.iter().any(|r| r.category == category),
                "no {category:?} rule"
            );
        }
    }

    const ORG: &str = r#"
        format = 1
        name = "Hartwell & Lane"
        version = 3
        [organisation]
        code_names = ["Project Juniper"]
        [overrides."personal_data.phone"]
        severity = "warn"
        [channels.care-x.rules."personal_data.email"]
        enabled = false
    "#;

    #[test]
    fn an_organisation_layer_adds_names_changes_severities_and_overrides_per_channel() {
        let org = Pack::from_toml(ORG).unwrap_or_else(|e| panic!("{e}"));
        let pack = Pack::builtin()
            .layered(&org)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pack.name, "Hartwell & Lane");
        assert_eq!(pack.version, 3);
        assert!(pack.base.starts_with("Countersign default"));
        assert_eq!(pack.organisation.code_names, ["Project Juniper"]);
        let rule = |rules: &[Rule], id: &str| rules.iter().find(|r| r.id == id).cloned();
        let everywhere = pack.rules_for(None);
        let on_care_x = pack.rules_for(Some("care-x"));
        assert_eq!(
            rule(&everywhere, "personal_data.phone").map(|r| r.severity),
            Some(Severity::Warn)
        );
        assert_eq!(
            rule(&everywhere, "personal_data.email").map(|r| r.enabled),
            Some(true)
        );
        assert_eq!(
            rule(&on_care_x, "personal_data.email").map(|r| r.enabled),
            Some(false)
        );
    }

    #[test]
    fn a_pack_that_cannot_be_used_says_why() {
        let wrong_format = ORG.replace("format = 1", "format = 2");
        assert!(matches!(
            Pack::from_toml(&wrong_format),
            Err(PackError::Format { found: 2 })
        ));
        let unknown = ORG.replace("personal_data.phone", "personal_data.fax");
        let err = Pack::from_toml(&unknown)
            .and_then(|org| Pack::builtin().layered(&org))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("personal_data.fax"), "{err}");
        assert!(matches!(
            Pack::from_toml("format = 1\nname = 3"),
            Err(PackError::Syntax(_))
        ));
    }
}
