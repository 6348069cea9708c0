//! Every kind of audit event, in one place. A kind is stored as its text, so a log written by
//! a newer server (with kinds this build does not know) still verifies here.

/// A successful sign-in.
pub const SIGN_IN: &str = "sign_in";
/// A sign-in that reached the password check and failed (wrong password or code, disabled
/// or unknown account). Attempts the rate limiter turned away are not events: a flood must
/// not grow the log.
pub const SIGN_IN_FAILED: &str = "sign_in_failed";
/// A session ended by its user.
pub const SIGN_OUT: &str = "sign_out";
/// A spent refresh token was presented again: the session was revoked (theft detection).
pub const SESSION_REUSED: &str = "session_reused";
/// A draft was written.
pub const DRAFT_CREATED: &str = "draft_created";
/// A draft's text changed (a new version).
pub const DRAFT_EDITED: &str = "draft_edited";
/// A draft was taken back by its author.
pub const DRAFT_WITHDRAWN: &str = "draft_withdrawn";
/// A reviewer approved, rejected or asked for changes.
pub const DECISION: &str = "decision";
/// An approval given over a blocking policy finding, with its reason.
pub const OVERRIDE: &str = "override";
/// A comment (annotation) on a draft.
pub const COMMENT: &str = "comment";
/// The publishing tool reported that an approved draft went out.
pub const DRAFT_PUBLISHED: &str = "draft_published";
/// A team was created.
pub const TEAM_CREATED: &str = "team_created";
/// An account was created.
pub const USER_CREATED: &str = "user_created";
/// An account was disabled.
pub const USER_DISABLED: &str = "user_disabled";
/// An account's roles, teams, steps or channel access changed (before and after).
pub const ACCOUNT_CHANGED: &str = "account_changed";
/// An account was enrolled in two-factor sign-in.
pub const TWO_FACTOR_ENROLLED: &str = "two_factor_enrolled";
/// An account was taken out of two-factor sign-in.
pub const TWO_FACTOR_REMOVED: &str = "two_factor_removed";
/// The roles that must use two-factor sign-in changed.
pub const TWO_FACTOR_POLICY: &str = "two_factor_policy";
/// A channel was added.
pub const CHANNEL_CREATED: &str = "channel_created";
/// A channel's approval policy changed.
pub const CHANNEL_POLICY_CHANGED: &str = "channel_policy_changed";
/// A channel's routing by the policy guard's verdict changed.
pub const CHANNEL_ROUTING_CHANGED: &str = "channel_routing_changed";
/// Crisis mode was switched on (or its scope changed).
pub const CRISIS_ON: &str = "crisis_on";
/// Crisis mode was switched off.
pub const CRISIS_OFF: &str = "crisis_off";
/// A leaver's work was handed to their successor.
pub const HANDOVER: &str = "handover";
/// A new policy pack was set.
pub const POLICY_PACK_SET: &str = "policy_pack_set";
/// A pre-approved reply was added.
pub const REPLY_ADDED: &str = "reply_added";
/// A pre-approved reply was removed.
pub const REPLY_REMOVED: &str = "reply_removed";
/// Someone exported the audit log.
pub const AUDIT_EXPORTED: &str = "audit_exported";
/// Someone exported the drafts (every communication with its life).
pub const DRAFTS_EXPORTED: &str = "drafts_exported";
/// A webhook was registered.
pub const WEBHOOK_ADDED: &str = "webhook_added";
/// A webhook was removed.
pub const WEBHOOK_REMOVED: &str = "webhook_removed";
/// One attempt to deliver a webhook, and how it went.
pub const WEBHOOK_ATTEMPT: &str = "webhook_attempt";

/// Every kind above, for exports and tests.
pub const ALL: &[&str] = &[
    SIGN_IN,
    SIGN_IN_FAILED,
    SIGN_OUT,
    SESSION_REUSED,
    DRAFT_CREATED,
    DRAFT_EDITED,
    DRAFT_WITHDRAWN,
    DECISION,
    OVERRIDE,
    COMMENT,
    DRAFT_PUBLISHED,
    TEAM_CREATED,
    USER_CREATED,
    USER_DISABLED,
    ACCOUNT_CHANGED,
    TWO_FACTOR_ENROLLED,
    TWO_FACTOR_REMOVED,
    TWO_FACTOR_POLICY,
    CHANNEL_CREATED,
    CHANNEL_POLICY_CHANGED,
    CHANNEL_ROUTING_CHANGED,
    CRISIS_ON,
    CRISIS_OFF,
    HANDOVER,
    POLICY_PACK_SET,
    REPLY_ADDED,
    REPLY_REMOVED,
    AUDIT_EXPORTED,
    DRAFTS_EXPORTED,
    WEBHOOK_ADDED,
    WEBHOOK_REMOVED,
    WEBHOOK_ATTEMPT,
];
