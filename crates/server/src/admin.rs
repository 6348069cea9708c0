//! Administration without HTTP: what the CLI, the admin API (`/api/v1/admin/…`), the demo
//! seed and the tests call — one function per operation, so the CLI and the API cannot
//! drift apart. Teams and users here; channels and their policies in [`channels`], crisis
//! mode in [`crisis`], role, team, step and channel changes in [`accounts`], leavers in
//! [`leave`](mod@leave), the two-factor policy and "who has access to what" in
//! [`access`](mod@access), the policy pack, channel routing and pre-approved replies in
//! [`policy`]; drafts written
//! on someone's behalf go through the same code as the HTTP endpoints.

pub mod access;
pub mod accounts;
pub mod channels;
pub mod crisis;
pub mod leave;
pub mod policy;

pub use access::{
    AccessFormat, access, access_of, render_access, require_two_factor, set_two_factor_roles,
    two_factor_roles,
};
pub use accounts::{AccountChange, change_account};
pub use channels::{add_channel, channel_named, list_channels, set_channel_policy};
pub use crisis::{crisis_off, crisis_on, crisis_status};
pub use leave::leave;
pub use policy::{
    PolicyView, add_reply, channel_routings, policy_pack, remove_reply, replies,
    set_channel_routing, set_policy_pack,
};

use crate::auth::{password, totp};
use crate::error::ServerError;
use crate::sessions::normalize_username;
use crate::storage::{TeamRecord, UserRecord};
use crate::trail::Trail;
use crate::{Server, drafts};
use chrono::{DateTime, Utc};
use countersign_core::approval::Actor;
use countersign_core::limits;
use countersign_core::wire::{EditDraft, NewDraft};
use countersign_core::{ChannelAccess, Draft, DraftId, Role, Sensitive, TeamId, UserId};

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// A user to create.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Sign-in name: letters, digits, `.`, `_`, `-`, `@`; stored in lower case.
    pub username: String,
    /// Name shown to others.
    pub display_name: String,
    /// At least [`MIN_PASSWORD_CHARS`] characters, at most
    /// [`MAX_PASSWORD_BYTES`](crate::sessions::MAX_PASSWORD_BYTES) bytes.
    pub password: Sensitive<String>,
    /// At least one.
    pub roles: Vec<Role>,
    /// Approval steps they may take (e.g. `review`, `legal`); single words.
    pub steps: Vec<String>,
    /// Existing teams (see [`create_team`], [`team_named`]).
    pub teams: Vec<TeamId>,
}

/// A user as the CLI lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSummary {
    /// Id.
    pub id: UserId,
    /// Sign-in name.
    pub username: String,
    /// Name shown to others.
    pub display_name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Approval steps.
    pub steps: Vec<String>,
    /// Team names.
    pub teams: Vec<String>,
    /// The channels they may see, by name, when limited to some; `None`: every channel of
    /// their teams.
    pub channels: Option<Vec<String>>,
    /// True when the account is disabled.
    pub disabled: bool,
}

/// What an authenticator app needs to show a user's sign-in codes. Both fields contain the
/// secret: show them to the user once, never log them.
#[derive(Clone, Debug)]
pub struct TotpEnrollment {
    /// The shared secret in base32, for typing into an app by hand.
    pub secret_base32: Sensitive<String>,
    /// `otpauth://totp/Countersign:<username>?secret=...&issuer=Countersign`, for an app to
    /// scan (as a QR code) or open.
    pub otpauth_url: Sensitive<String>,
}

/// Creates a team. Fails when the name is taken.
pub async fn create_team(
    server: &Server,
    trail: &Trail,
    name: &str,
) -> Result<TeamId, ServerError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ServerError::Invalid("a team needs a name".into()));
    }
    limits::check_name("the team's name", name)?;
    let team = TeamRecord {
        id: TeamId(crate::clock::uuid_v7(server.now())),
        name: name.to_owned(),
        created_at: server.now(),
    };
    let id = team.id;
    server.storage().create_team(team, trail.clone()).await?;
    Ok(id)
}

/// The team called `name`.
pub async fn team_named(server: &Server, name: &str) -> Result<TeamRecord, ServerError> {
    server
        .storage()
        .teams()
        .await?
        .into_iter()
        .find(|t| t.name == name.trim())
        .ok_or_else(|| {
            ServerError::NotFound(format!(
                "there is no team named {name:?}; create it first (team add)"
            ))
        })
}

/// All teams, by name.
pub async fn teams(server: &Server) -> Result<Vec<TeamRecord>, ServerError> {
    Ok(server.storage().teams().await?)
}

/// Creates a user. The password is hashed (argon2id) off the async runtime. Fails when the
/// username is taken, a team does not exist, or the input is unusable.
pub async fn add_user(
    server: &Server,
    trail: &Trail,
    user: NewUser,
) -> Result<UserId, ServerError> {
    let username = normalize_username(&user.username);
    let valid_char = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
    if username.is_empty() || !username.chars().all(valid_char) {
        return Err(ServerError::Invalid(
            "a username is letters, digits and . _ - @ only".into(),
        ));
    }
    limits::check_username(&username)?;
    let display_name = user.display_name.trim().to_owned();
    if display_name.is_empty() {
        return Err(ServerError::Invalid("a user needs a display name".into()));
    }
    limits::check_name("the display name", &display_name)?;
    if user.password.expose().chars().count() < MIN_PASSWORD_CHARS {
        return Err(ServerError::Invalid(format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    // Sign-in refuses longer passwords before hashing them; none may be set that could
    // never sign in.
    if user.password.expose().len() > crate::sessions::MAX_PASSWORD_BYTES {
        return Err(ServerError::Invalid(format!(
            "a password is at most {} bytes long",
            crate::sessions::MAX_PASSWORD_BYTES
        )));
    }
    if user.roles.is_empty() {
        return Err(ServerError::Invalid(
            "a user needs at least one role".into(),
        ));
    }
    if user
        .steps
        .iter()
        .any(|s| s.is_empty() || s.chars().any(char::is_whitespace))
    {
        return Err(ServerError::Invalid(
            "approval steps are single words, like review or legal".into(),
        ));
    }
    let known = server.storage().teams().await?;
    if let Some(missing) = user
        .teams
        .iter()
        .find(|t| !known.iter().any(|k| k.id == **t))
    {
        return Err(ServerError::NotFound(format!(
            "there is no team with id {missing}"
        )));
    }
    let password = user.password;
    let password_hash =
        tokio::task::spawn_blocking(move || password::hash(password.expose())).await??;
    let record = UserRecord {
        id: UserId(crate::clock::uuid_v7(server.now())),
        username,
        display_name,
        password_hash: Sensitive::new(password_hash),
        roles: dedup(user.roles),
        steps: dedup(user.steps),
        teams: dedup(user.teams),
        channels: ChannelAccess::AllOfTeams,
        created_at: server.now(),
        disabled_at: None,
        totp_secret: None,
    };
    let id = record.id;
    server.storage().create_user(record, trail.clone()).await?;
    Ok(id)
}

/// Every user, by username.
pub async fn list_users(server: &Server) -> Result<Vec<UserSummary>, ServerError> {
    let names = Names::load(server).await?;
    Ok(server
        .storage()
        .users()
        .await?
        .iter()
        .map(|u| names.summary(u))
        .collect())
}

/// Team and channel names, for turning ids into words.
pub(crate) struct Names {
    teams: Vec<TeamRecord>,
    channels: Vec<countersign_core::Channel>,
}

impl Names {
    pub(crate) async fn load(server: &Server) -> Result<Self, ServerError> {
        Ok(Self {
            teams: server.storage().teams().await?,
            channels: server.storage().channels().await?,
        })
    }

    pub(crate) fn team(&self, id: TeamId) -> String {
        self.teams
            .iter()
            .find(|t| t.id == id)
            .map_or_else(|| id.to_string(), |t| t.name.clone())
    }

    pub(crate) fn channel(&self, id: countersign_core::ChannelId) -> String {
        self.channels
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_string(), |c| c.name.clone())
    }

    pub(crate) fn channels(&self) -> &[countersign_core::Channel] {
        &self.channels
    }

    pub(crate) fn summary(&self, u: &UserRecord) -> UserSummary {
        UserSummary {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            roles: u.roles.clone(),
            steps: u.steps.clone(),
            teams: u.teams.iter().map(|t| self.team(*t)).collect(),
            channels: match &u.channels {
                ChannelAccess::AllOfTeams => None,
                ChannelAccess::Only(list) => Some(list.iter().map(|c| self.channel(*c)).collect()),
            },
            disabled: u.disabled_at.is_some(),
        }
    }
}

/// Disables a user (a leaver, a lost laptop): they cannot sign in, and every session they
/// have is revoked at once, so their desktops wipe their caches on the next request.
pub async fn disable_user(
    server: &Server,
    trail: &Trail,
    username: &str,
) -> Result<UserId, ServerError> {
    let user = user_named(server, username).await?;
    server
        .storage()
        .disable_user(user.id, server.now(), trail.clone())
        .await?;
    Ok(user.id)
}

/// Enrols a user in two-factor sign-in with a fresh random secret (SHA-1, 6 digits, 30 s
/// steps, issuer "Countersign", the username as the account name). From now on signing in
/// also needs the code from the authenticator app. Enrolling again replaces the secret: the
/// old app entry stops working. Fails when there is no such user.
pub async fn enroll_totp(
    server: &Server,
    trail: &Trail,
    username: &str,
) -> Result<TotpEnrollment, ServerError> {
    let user = user_named(server, username).await?;
    let secret = totp::generate_secret();
    let otpauth_url = totp::otpauth_url(secret.expose(), &user.username)?;
    if !server
        .storage()
        .set_totp_secret(user.id, secret.clone(), server.now(), trail.clone())
        .await?
    {
        return Err(no_such_user(username));
    }
    Ok(TotpEnrollment {
        secret_base32: secret,
        otpauth_url,
    })
}

/// Takes a user out of two-factor sign-in (a lost phone): they sign in with their password
/// alone until enrolled again. True when they were enrolled. Fails when there is no such
/// user.
pub async fn remove_totp(
    server: &Server,
    trail: &Trail,
    username: &str,
) -> Result<bool, ServerError> {
    let user = user_named(server, username).await?;
    if !server
        .storage()
        .clear_totp_secret(user.id, server.now(), trail.clone())
        .await?
    {
        return Err(no_such_user(username));
    }
    Ok(user.totp_secret.is_some())
}

/// The code an authenticator app holding `secret_base32` shows at `at`. For tests and
/// scripts that sign in as an enrolled user; the server itself never needs it. Fails when
/// the secret is not base32.
pub fn totp_code(secret_base32: &str, at: DateTime<Utc>) -> Result<String, ServerError> {
    Ok(totp::code_at(secret_base32, at)?)
}

/// Writes a draft as `author`, exactly as `POST /api/v1/drafts` would; `trail` says who
/// asked (the console, the demo seed).
pub async fn create_draft(
    server: &Server,
    trail: &Trail,
    author: UserId,
    draft: NewDraft,
) -> Result<Draft, ServerError> {
    drafts::create(server, trail, &actor(server, author).await?, draft).await
}

/// Edits a draft as `by`, exactly as `PATCH /api/v1/drafts/{id}` would.
pub async fn edit_draft(
    server: &Server,
    trail: &Trail,
    by: UserId,
    id: DraftId,
    edit: EditDraft,
) -> Result<Draft, ServerError> {
    drafts::edit(server, trail, &actor(server, by).await?, id, edit).await
}

/// Withdraws a draft as `by`, exactly as `POST /api/v1/drafts/{id}/withdraw` would.
pub async fn withdraw_draft(
    server: &Server,
    trail: &Trail,
    by: UserId,
    id: DraftId,
) -> Result<Draft, ServerError> {
    drafts::withdraw(server, trail, &actor(server, by).await?, id).await
}

/// A draft as the server holds it, whoever's it is (for administrators and tests).
pub async fn draft(server: &Server, id: DraftId) -> Result<Draft, ServerError> {
    server
        .storage()
        .draft(id)
        .await?
        .ok_or_else(|| ServerError::NotFound(format!("there is no draft {id}")))
}

/// A user by username.
pub async fn user_named(server: &Server, username: &str) -> Result<UserRecord, ServerError> {
    server
        .storage()
        .user_by_username(&normalize_username(username))
        .await?
        .ok_or_else(|| no_such_user(username))
}

pub(crate) fn no_such_user(username: &str) -> ServerError {
    ServerError::NotFound(format!("there is no user named {username:?}"))
}

/// The active user `id` as the approval rules see them.
pub(crate) async fn actor(server: &Server, id: UserId) -> Result<Actor, ServerError> {
    let user = server
        .storage()
        .user_by_id(id)
        .await?
        .ok_or_else(|| ServerError::NotFound(format!("there is no user with id {id}")))?;
    if user.disabled_at.is_some() {
        return Err(ServerError::Forbidden(format!(
            "{} is disabled",
            user.username
        )));
    }
    Ok(user.actor())
}

pub(crate) fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}
