//! Typed identifiers. A `DraftId` can never be passed where a `DecisionId` is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Uuid))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// Wraps an existing UUID.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// A draft, made by the server (UUIDv7, so ids sort by creation time).
    DraftId
);
uuid_id!(
    /// A decision, made by the client that recorded it (UUIDv7).
    DecisionId
);
uuid_id!(
    /// An annotation, made by the client that recorded it (UUIDv7).
    AnnotationId
);
uuid_id!(
    /// A user account on the server.
    UserId
);
uuid_id!(
    /// A team: reviewers see and decide only the drafts of their teams.
    TeamId
);
uuid_id!(
    /// A channel: one of the organisation's accounts on a network, owned by a team.
    ChannelId
);
uuid_id!(
    /// One desktop installation. Its mutations are numbered from 1 per client.
    ClientId
);

/// The position of a mutation in one client's outbox, counting up from 1.
///
/// The server remembers the highest one it has processed per client, which is what makes
/// a push safe to retry: anything at or below it is a duplicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct MutationId(pub u64);

impl MutationId {
    /// The id that must follow this one.
    pub const fn next(self) -> Self {
        Self(self.0 + 1)
    }
}

impl fmt::Display for MutationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
