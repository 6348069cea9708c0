-- Countersign central service, schema 2: two-factor sign-in with TOTP (RFC 6238).
--
-- Released migrations never change: add a new file instead.

-- The shared secret of the user's authenticator app, base32 (RFC 4648, no padding);
-- NULL when the user signs in with their password alone.
ALTER TABLE users ADD COLUMN totp_secret TEXT;

-- The time step (Unix seconds / 30) of the last code accepted from this user; a code is
-- accepted only for a later step, so an overheard code cannot be replayed within its
-- window. NULL until the first code is accepted, and again after each enrolment.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
