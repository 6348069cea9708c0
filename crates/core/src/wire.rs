//! The JSON bodies of the `/api/v1` protocol (DESIGN.md, "Wire format v1").
//!
//! Requests reject unknown fields, so a client built against a newer protocol fails loudly
//! instead of having half its request ignored. Responses accept unknown fields, so an older
//! desktop keeps working against a newer server.

pub mod admin;
pub mod receipt;

pub use receipt::{AuditHead, Receipt, ReceiptKey, SignedReceipt};

use crate::channel::{Channel, Routing, StepRequest};
use crate::crisis::CrisisState;
use crate::draft::{Draft, InReplyTo, Media, Network, Person, Role, Urgency};
use crate::ids::{ClientId, DraftId, MutationId, TeamId};
use crate::mutation::{Mutation, MutationResult};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `POST /api/v1/sessions`.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    /// Sign-in name.
    pub username: String,
    /// Password; checked on the server, never stored by the client.
    pub password: String,
    /// One-time code from an authenticator app, when the account has one enrolled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<String>,
}

impl std::fmt::Debug for SessionRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRequest")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// `POST /api/v1/sessions/refresh`.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last sign-in or refresh. It is spent by this call.
    pub refresh_token: String,
}

impl std::fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshRequest { refresh_token: <redacted> }")
    }
}

/// The signed-in user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionUser {
    /// Who they are.
    #[serde(flatten)]
    pub person: Person,
    /// What they may do.
    pub roles: Vec<Role>,
    /// The approval steps they are qualified for.
    #[serde(default)]
    pub steps: Vec<String>,
    /// The teams they review for.
    #[serde(default)]
    pub teams: Vec<TeamId>,
}

/// Answer to a sign-in or a refresh.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionResponse {
    /// Short-lived; sent as `Authorization: Bearer`.
    pub access_token: String,
    /// Long-lived, single use: a refresh spends it and returns a new one.
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The signed-in user.
    pub user: SessionUser,
}

impl std::fmt::Debug for SessionResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionResponse")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .field("user", &self.user)
            .finish()
    }
}

/// One entry of the changes feed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// The draft is new or changed: store it as given.
    Upsert {
        /// The draft as it is now.
        draft: Box<Draft>,
    },
    /// The draft left the reviewer's scope (withdrawn, reassigned): forget it.
    Remove {
        /// Which draft.
        draft_id: DraftId,
    },
}

/// `GET /api/v1/changes`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangesResponse {
    /// Changes after the cursor, in the server's commit order.
    pub changes: Vec<Change>,
    /// Pass this as `cursor` next time. Opaque.
    pub next_cursor: String,
    /// True when another page is waiting.
    pub has_more: bool,
    /// The last mutation the server processed for this client.
    pub last_mutation_id: MutationId,
    /// The organisation as this user's desktop needs it, when it changed after the cursor
    /// (roles, channels, spokespeople, crisis mode). Absent: what the desktop has is current.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory: Option<Directory>,
}

/// What one reviewer's desktop needs to know about the organisation, offline included: who
/// they are now, the channels they can see (each with its policy and the spokespeople
/// authorised for it) and the crisis state. It rides on the changes feed, so it reaches the
/// desktop in the same commit order as the drafts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Directory {
    /// The signed-in user as they are now (roles and steps change).
    pub me: SessionUser,
    /// The channels they can see.
    pub channels: Vec<ChannelView>,
    /// Crisis mode, limited to the channels they can see.
    pub crisis: CrisisState,
    /// The revision of the organisation's policy pack (`GET /api/v1/policy`); a desktop
    /// whose cached pack is older fetches it again. 0: the built-in pack alone.
    #[serde(default)]
    pub policy_version: u64,
    /// How long, in seconds, a desktop may show its cached drafts without contact with the
    /// server; past it the window asks for a sign-in before it shows anything. `None` (a
    /// server from before leases): the desktop's default, 14 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offline_lease_secs: Option<u64>,
}

/// A channel as a desktop sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelView {
    /// The channel and its policy.
    #[serde(flatten)]
    pub channel: Channel,
    /// Its team's name.
    pub team_name: String,
    /// True while crisis mode covers it.
    pub in_crisis: bool,
    /// The spokespeople authorised for it: active spokespeople of its team with access to
    /// it, and the steps each may take. Only they approve its crisis drafts.
    pub spokespeople: Vec<Spokesperson>,
    /// What it does with the policy guard's verdict (fast lane, escalation, pre-approved
    /// replies).
    #[serde(default)]
    pub routing: Routing,
}

/// Someone authorised to speak for the organisation on a channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Spokesperson {
    /// Who.
    #[serde(flatten)]
    pub person: Person,
    /// The approval steps they may take.
    pub steps: Vec<String>,
}

/// `POST /api/v1/push`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// The desktop installation pushing.
    pub client_id: ClientId,
    /// Its outbox, in order.
    pub mutations: Vec<Mutation>,
    /// Ids this client no longer holds, which the server may step over: sent only after a
    /// `mutation_gap` answer. Absent in every ordinary push.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<SkippedMutations>,
}

/// A client's word, in a push, that it holds no mutation numbered `from` to `to` (both
/// included): each was answered by a server and dropped after a pull confirmed it. A server
/// restored from a backup has never processed them; it accepts the declaration only when
/// `from` is exactly the id it expects next and every mutation of the push comes after
/// `to`, and then moves its `last_mutation_id` to `to`. Skipping ids this database never
/// processed cannot apply anything twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SkippedMutations {
    /// The first id skipped: the `expected_mutation_id` of the `mutation_gap` answer.
    pub from: MutationId,
    /// The last id skipped: one below the first mutation the client still holds.
    pub to: MutationId,
}

/// Answer to a push: one result per mutation, in the same order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    /// One result per mutation.
    pub results: Vec<MutationResult>,
    /// The current state of each draft a conflict in `results` is about (a repeated one
    /// included), once each, so a thousand refused comments on one draft send it once; a
    /// conflict result itself carries no draft. Drafts the caller may no longer see are left
    /// out, and so are those past [`crate::limits::MAX_PAGE_BYTES`] (the changes feed
    /// brings them). [`PushResponse::resolved`] puts them back into the results.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drafts: Vec<Draft>,
}

impl PushResponse {
    /// The results, each conflict with its draft as it is now: from `drafts`, found by the
    /// draft its mutation in `request` names (a result that already carries one, from an
    /// older server, keeps it). Every result is kept, in order.
    pub fn resolved(self, request: &PushRequest) -> Vec<MutationResult> {
        use std::collections::HashMap;
        let drafts: HashMap<DraftId, Draft> = self.drafts.into_iter().map(|d| (d.id, d)).collect();
        let draft_of: HashMap<MutationId, DraftId> = request
            .mutations
            .iter()
            .map(|m| (m.mutation_id, m.kind.draft_id()))
            .collect();
        self.results
            .into_iter()
            .map(|mut result| {
                let conflict = result.effective_status() == crate::MutationStatus::Conflict;
                if conflict && result.draft.is_none() {
                    result.draft = draft_of
                        .get(&result.mutation_id)
                        .and_then(|id| drafts.get(id))
                        .cloned()
                        .map(Box::new);
                }
                result
            })
            .collect()
    }
}

/// `POST /api/v1/drafts`: an author writes a draft.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewDraft {
    /// The team whose reviewers decide it. Optional: it is the channel's team (naming
    /// another is refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<TeamId>,
    /// The network.
    pub network: Network,
    /// The account on that network: one of the organisation's channels.
    pub channel: String,
    /// The text.
    pub body: String,
    /// How soon it needs a decision, as the author sees it. A request: while crisis mode is
    /// on for the channel the draft is a crisis draft whatever this says.
    #[serde(default = "normal")]
    pub urgency: Urgency,
    /// When it should go out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Steps the author asks for on top of the channel's policy (`"legal"`, or
    /// `{"step": "legal", "quorum": 2}`). A request, not an order: the policy's steps and
    /// quorums always apply, so asking for fewer changes nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_steps: Option<Vec<StepRequest>>,
    /// The customer post it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<InReplyTo>,
    /// Attachments.
    #[serde(default)]
    pub media: Vec<Media>,
}

fn normal() -> Urgency {
    Urgency::Normal
}

/// `PATCH /api/v1/drafts/{id}`: the author edits the text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EditDraft {
    /// The version the author edited; a mismatch is a 409 so edits never cross.
    pub version: u64,
    /// The new text.
    pub body: String,
}

/// `POST /api/v1/drafts/{id}/suggestions/{annotation_id}/accept`: the author takes a
/// reviewer's suggested replacement, which makes a new version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcceptSuggestion {
    /// The version the author is looking at; a mismatch is a 409 `stale_version`, so an
    /// acceptance never lands on text the author has not seen.
    pub version: u64,
}

/// A pre-approved reply in the organisation's library: fixed text with `{slots}` the author
/// fills in, e.g. `Sorry to hear that, {first_name} — DM us your order number.`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reply {
    /// Id.
    pub id: uuid::Uuid,
    /// A short name for people and for search, e.g. `late-delivery`.
    pub name: String,
    /// The text, with `{slot}` placeholders.
    pub text: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

/// `POST /api/v1/admin/replies`: an administrator adds a pre-approved reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewReply {
    /// A short name.
    pub name: String,
    /// The text, with `{slot}` placeholders.
    pub text: String,
}

/// Every error the server returns: `{"error": {"code", "message"}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The inside of an [`ErrorBody`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Machine-readable, snake_case. Clients branch on this, never on the message.
    pub code: String,
    /// A sentence for people.
    pub message: String,
}

/// Error codes clients act on.
pub mod codes {
    /// The access token expired: refresh and retry.
    pub const TOKEN_EXPIRED: &str = "token_expired";
    /// The session was revoked (sign-out elsewhere, leaver, lost laptop): wipe local data.
    pub const SESSION_REVOKED: &str = "session_revoked";
    /// No or unknown token.
    pub const UNAUTHENTICATED: &str = "unauthenticated";
    /// Wrong username or password (deliberately the same for both).
    pub const BAD_CREDENTIALS: &str = "bad_credentials";
    /// The password was right, and the account also needs the current code from its
    /// authenticator app: ask for it and send the sign-in again with `totp`.
    pub const TOTP_REQUIRED: &str = "totp_required";
    /// The password was right, but the organisation requires two-factor sign-in for one of
    /// the account's roles and it has no authenticator enrolled: an administrator must enrol
    /// it first (the message names the command).
    pub const TOTP_ENROLMENT_REQUIRED: &str = "totp_enrolment_required";
    /// The draft has a `block` finding from the policy guard and the approval gave no
    /// override reason: ask the reviewer why, and send the approval again with it. The
    /// refusal carries the findings.
    pub const OVERRIDE_REQUIRED: &str = "override_required";
    /// A push result (status `invalid`): the mutation skips ahead of the one the server
    /// expects (`expected_mutation_id`), which happens when the server was restored from a
    /// backup. Nothing was processed or stored. The client re-opens what it holds from the
    /// expected id on and sends it again, declaring with `skip` the ids it no longer holds.
    pub const MUTATION_GAP: &str = "mutation_gap";
    /// `GET /api/v1/changes` (409): the cursor is past the end of this server's feed (it was
    /// restored from a backup). Forget the cursor and the cached drafts, keep the outbox, and
    /// pull again from the start.
    pub const CURSOR_AHEAD: &str = "cursor_ahead";
    /// Accepting a suggestion (409): the words it would replace are no longer in the draft
    /// (the author changed them); nothing was changed.
    pub const SUGGESTION_DETACHED: &str = "suggestion_detached";
    /// Accepting a suggestion (409): it was accepted already; nothing was changed.
    pub const SUGGESTION_ACCEPTED: &str = "suggestion_accepted";
}
