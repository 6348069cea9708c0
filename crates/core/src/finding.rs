//! What the policy guard says about a draft: the wire shape of its findings.
//!
//! The guard itself (the rules, the policy pack, the detectors) lives in `countersign-policy`;
//! these types live here because they travel: in push results (`override_required`), in
//! error bodies, in the desktop's draft view and in the `lint` command's output.

use serde::{Deserialize, Serialize};

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; changes nothing.
    Info,
    /// The reviewer should look before approving.
    Warn,
    /// Must not go out as it is: approving it needs an override reason.
    Block,
}

impl Severity {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Block => "block",
        }
    }
}

/// What kind of harm a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Contact details, payment data, addresses, dates of birth, references next to a name.
    PersonalData,
    /// Health or private life of someone readers could identify.
    Health,
    /// Code names, internal-only wording, unreleased figures, rumours.
    Confidential,
    /// Insults, sarcasm or shaming aimed at customers.
    Contempt,
    /// Speaking for the organisation during a crisis without the authority to.
    Crisis,
    /// The network's own rules: length, hashtags, alt text, markup.
    Network,
}

impl Category {
    /// Every category, in the order reports list them.
    pub const ALL: [Category; 6] = [
        Category::PersonalData,
        Category::Health,
        Category::Confidential,
        Category::Contempt,
        Category::Crisis,
        Category::Network,
    ];

    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Category::PersonalData => "personal_data",
            Category::Health => "health",
            Category::Confidential => "confidential",
            Category::Contempt => "contempt",
            Category::Crisis => "crisis",
            Category::Network => "network",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A range of the draft's body in Unicode code points, start inclusive, end exclusive —
/// the unit the annotation selectors use, so the window can highlight it exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Span {
    /// First code point.
    pub start: usize,
    /// One past the last code point.
    pub end: usize,
}

/// One thing the guard found in a draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    /// The rule that found it, e.g. `personal_data.email`.
    pub rule: String,
    /// What kind of harm.
    pub category: Category,
    /// How serious.
    pub severity: Severity,
    /// Where in the body; none for findings about the whole draft (its length, its media,
    /// who wrote it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// What is wrong, for the reviewer.
    pub message: String,
    /// Why the rule exists.
    pub reason: String,
}

impl Finding {
    /// True for a finding that needs an override reason to approve over.
    pub fn blocks(&self) -> bool {
        self.severity == Severity::Block
    }
}

/// The most serious severity among `findings`, if any.
pub fn worst(findings: &[Finding]) -> Option<Severity> {
    findings.iter().map(|f| f.severity).max()
}

/// How a draft's length compares with its network's limit, counted the network's way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Measure {
    /// The network's wire name.
    pub network: String,
    /// The length as the network counts it (X: weighted; Bluesky: graphemes; ...).
    pub weighted_length: usize,
    /// The network's limit in the same unit.
    pub limit: usize,
    /// What is counted, for people: "weighted characters", "graphemes", "characters".
    pub unit: String,
    /// True when the post fits.
    pub valid: bool,
}
