//! The JSON bodies of the admin API (`/api/v1/admin/…`, administrators only). The server's
//! CLI calls the same functions these endpoints do; the desktop's Access view reads
//! [`AccessEntry`] and turns crisis mode on and off with [`CrisisOn`].

use crate::channel::{Channel, StepRule};
use crate::crisis::CrisisState;
use crate::draft::{Network, Person, Role};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `POST /api/v1/admin/channels`: a new channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewChannel {
    /// A unique short name (`care-x`); `<network>:<account>` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The network.
    pub network: Network,
    /// The account on it, e.g. `@HartwellHelp`.
    pub account: String,
    /// The owning team, by name.
    pub team: String,
    /// The steps its drafts need, in order; one `review` when left out.
    #[serde(default)]
    pub policy: Vec<StepRule>,
}

/// `PATCH /api/v1/admin/channels/{name}`: a new policy. Drafts already written keep their
/// steps; new drafts and edits get these.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChannelPolicy {
    /// The steps, in order.
    pub policy: Vec<StepRule>,
}

/// `POST /api/v1/admin/crisis/on`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CrisisOn {
    /// Why, for everyone who sees the banner ("Fire at the Leeds store").
    pub reason: String,
    /// Channel names; empty or left out: every channel.
    #[serde(default)]
    pub channels: Vec<String>,
}

/// Crisis mode as administrators see it: the state, and for each covered channel the
/// spokespeople authorised to approve on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CrisisStatus {
    /// The state.
    pub state: CrisisState,
    /// Every channel it covers.
    pub channels: Vec<CrisisChannel>,
    /// What turning it on or off just did, when this answers such a call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<CrisisEffect>,
}

/// One channel under crisis mode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CrisisChannel {
    /// The channel.
    pub channel: Channel,
    /// Who may approve its drafts now. Empty means nobody can: give someone the
    /// spokesperson role on its team.
    pub spokespeople: Vec<Person>,
}

/// What turning crisis mode on or off did to the drafts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CrisisEffect {
    /// Drafts in review that became crisis drafts.
    pub escalated: usize,
    /// Approved drafts due later, held back from publishing.
    pub held: usize,
    /// Held drafts sent back to review with no approvals.
    pub returned_to_review: usize,
    /// Drafts back at the urgency their authors gave them.
    pub deescalated: usize,
}

/// `POST /api/v1/admin/users/{username}/leave`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Leave {
    /// Who takes over their work (username).
    pub handover: String,
}

/// What a leaver's handover did, all in one transaction.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaveReport {
    /// The leaver (now disabled).
    pub leaver: String,
    /// The successor.
    pub successor: String,
    /// Sessions revoked (their desktops wipe their caches at the next contact).
    pub sessions_revoked: usize,
    /// Open drafts the successor now owns.
    pub drafts_handed_over: usize,
    /// Places in steps awaiting the leaver that moved to the successor.
    pub places_moved: usize,
    /// Places the successor was not qualified for, dropped (the step waits for its other
    /// holders).
    pub places_dropped: usize,
}

/// `PUT /api/v1/admin/policy/two-factor`: the roles whose accounts must use two-factor
/// sign-in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TwoFactorPolicy {
    /// An account holding any of these roles cannot sign in without an enrolled
    /// authenticator.
    pub roles: Vec<Role>,
}

/// One account in the answer to "who has access to what".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessEntry {
    /// Sign-in name.
    pub username: String,
    /// Name shown to others.
    pub display_name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Team names.
    pub teams: Vec<String>,
    /// The channels they can see and write for (names).
    pub channels: Vec<String>,
    /// True when they are limited to some of their teams' channels.
    pub channels_limited: bool,
    /// Approval steps they may take.
    pub steps: Vec<String>,
    /// Two-factor sign-in.
    pub two_factor: TwoFactorState,
    /// Their last sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sign_in_at: Option<DateTime<Utc>>,
    /// Sessions that are neither revoked nor expired.
    pub live_sessions: u64,
    /// True when the account is disabled.
    pub disabled: bool,
}

/// An account's two-factor sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TwoFactorState {
    /// An authenticator is enrolled.
    pub enrolled: bool,
    /// The policy requires one for a role it holds.
    pub required: bool,
}

impl TwoFactorState {
    /// `on`, `required, not enrolled`, `off` — for tables.
    pub fn describe(self) -> &'static str {
        match (self.enrolled, self.required) {
            (true, _) => "on",
            (false, true) => "REQUIRED, not enrolled",
            (false, false) => "off",
        }
    }
}

/// `PUT /api/v1/admin/policy`: an organisation's policy pack to put in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PolicySource {
    /// The pack, in TOML, as `countersign-server policy set --file` reads it.
    pub source: String,
}
