//! Reviewer receipts, signed with Ed25519: the server signs one when it applies a decision,
//! and anyone holding the public key checks it without trusting the server's database.
//!
//! The signed bytes are `countersign-receipt/1\n` followed by the [canonical](crate::canonical())
//! JSON of the [`Receipt`] (keys sorted, no whitespace): the same text in any language with an
//! RFC 8785 (JCS) library. The signature is standard base64 (with padding) of the 64-byte
//! Ed25519 signature, and it is checked strictly (RFC 8032 with the malleability and weak-key
//! checks of `verify_strict`). A key is named by its `key_id`, the first 16 hex digits of the
//! SHA-256 of the 32-byte public key, so a receipt says which key to check it against.
//!
//! ```
//! use countersign_audit::receipt::{ReceiptSigner, verify};
//! # use countersign_core::wire::{AuditHead, Receipt};
//! # use countersign_core::{DecisionId, DraftId, Person, UserId, Verdict};
//! let signer = ReceiptSigner::from_secret_bytes([7; 32]);
//! # let receipt = Receipt {
//! #     decision_id: DecisionId(uuid::Uuid::nil()), draft_id: DraftId(uuid::Uuid::nil()),
//! #     draft_version: 1, content_sha256: countersign_audit::content_sha256("Hello"),
//! #     verdict: Verdict::Approve, step: None, override_reason: false,
//! #     reviewer: Person { id: UserId(uuid::Uuid::nil()), username: "rita".into(),
//! #         display_name: "Rita".into() },
//! #     decided_at: chrono::Utc::now(), audit: AuditHead { position: 1, hash: "00".repeat(32) },
//! #     key_id: String::new() };
//! let signed = signer.sign(receipt);
//! assert!(verify(&signed, &signer.public_key()).is_ok());
//! ```

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::SubsecRound;
use countersign_core::wire::{Receipt, ReceiptKey, SignedReceipt};
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, KeypairBytes};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// What the signed bytes start with, so a receipt signature can never be taken for a
/// signature over anything else, and a later format can say so.
pub const DOMAIN: &str = "countersign-receipt/1\n";

/// The algorithm's name in [`ReceiptKey`].
pub const ALGORITHM: &str = "ed25519";

/// Why a receipt, a signature or a key was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// The signature does not match the receipt under this key: the receipt (or the
    /// signature) was changed after signing.
    #[error("the signature does not match the receipt: it was changed after it was signed")]
    BadSignature,
    /// The receipt names another signing key than the one it is checked against.
    #[error("the receipt was signed by key {receipt_key_id}, not by key {key_id}")]
    OtherKey {
        /// The key the receipt names.
        receipt_key_id: String,
        /// The key it was checked against.
        key_id: String,
    },
    /// The signature is not base64 of 64 bytes.
    #[error("the signature is not base64 of a 64-byte Ed25519 signature")]
    MalformedSignature,
    /// A public or private key could not be read; says why (never the key).
    #[error("not an Ed25519 key: {0}")]
    MalformedKey(String),
}

/// The public half of a receipt-signing key: what verifies receipts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Reads the 32-byte key from standard base64, as [`ReceiptKey::public_key`] has it.
    pub fn from_base64(text: &str) -> Result<Self, ReceiptError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| ReceiptError::MalformedKey("the public key is not base64".to_owned()))?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|bytes: Vec<u8>| {
            ReceiptError::MalformedKey(format!(
                "an Ed25519 public key is 32 bytes, this one {}",
                bytes.len()
            ))
        })?;
        VerifyingKey::from_bytes(&bytes)
            .map(Self)
            .map_err(|_| ReceiptError::MalformedKey("not a point on the curve".to_owned()))
    }

    /// Reads a `-----BEGIN PUBLIC KEY-----` PEM (SubjectPublicKeyInfo), as
    /// `openssl pkey -pubout` writes it.
    pub fn from_pem(text: &str) -> Result<Self, ReceiptError> {
        VerifyingKey::from_public_key_pem(text.trim())
            .map(Self)
            .map_err(|e| ReceiptError::MalformedKey(e.to_string()))
    }

    /// Standard base64 of the 32 bytes.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0.as_bytes())
    }

    /// The first 16 hex digits of the SHA-256 of the 32 bytes.
    pub fn key_id(&self) -> String {
        let digest = Sha256::digest(self.0.as_bytes());
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// What `GET /api/v1/receipts/key` answers.
    pub fn to_wire(&self) -> ReceiptKey {
        ReceiptKey {
            algorithm: ALGORITHM.to_owned(),
            public_key: self.to_base64(),
            key_id: self.key_id(),
        }
    }

    /// Reads what `GET /api/v1/receipts/key` answers, checking that its `key_id` is this
    /// key's (a copy edited by hand would otherwise name one key and hold another).
    pub fn from_wire(key: &ReceiptKey) -> Result<Self, ReceiptError> {
        if key.algorithm != ALGORITHM {
            return Err(ReceiptError::MalformedKey(format!(
                "the algorithm is {:?}, not {ALGORITHM}",
                key.algorithm
            )));
        }
        let public = Self::from_base64(&key.public_key)?;
        if public.key_id() != key.key_id {
            return Err(ReceiptError::MalformedKey(format!(
                "its key_id says {} but the key's is {}",
                key.key_id,
                public.key_id()
            )));
        }
        Ok(public)
    }
}

/// A receipt-signing key. Its `Debug` shows only the public half, and the secret half
/// leaves it only as PKCS#8 PEM, for the key file.
pub struct ReceiptSigner {
    key: SigningKey,
    public: PublicKey,
}

impl std::fmt::Debug for ReceiptSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiptSigner")
            .field("key_id", &self.public.key_id())
            .finish_non_exhaustive()
    }
}

impl ReceiptSigner {
    /// The key with this 32-byte secret (RFC 8032's seed). A new key: 32 bytes from a
    /// cryptographic random source.
    pub fn from_secret_bytes(secret: [u8; 32]) -> Self {
        let key = SigningKey::from_bytes(&secret);
        let public = PublicKey(key.verifying_key());
        Self { key, public }
    }

    /// Reads a `-----BEGIN PRIVATE KEY-----` PKCS#8 PEM, as [`ReceiptSigner::to_pem`] writes
    /// it. The error never quotes the file.
    pub fn from_pem(text: &str) -> Result<Self, ReceiptError> {
        let key = SigningKey::from_pkcs8_pem(text.trim())
            .map_err(|e| ReceiptError::MalformedKey(e.to_string()))?;
        let public = PublicKey(key.verifying_key());
        Ok(Self { key, public })
    }

    /// The key as PKCS#8 PEM, for the key file; the text is wiped from memory when dropped.
    ///
    /// Written as RFC 8410's PKCS#8 v1 (the secret alone), as OpenSSL writes Ed25519 keys:
    /// OpenSSL 3.0 cannot read the v2 form with the public key beside it, which is what
    /// `ed25519-dalek` writes by default, and an operator should be able to check the
    /// file with `openssl pkey`.
    pub fn to_pem(&self) -> Result<impl AsRef<str> + use<>, ReceiptError> {
        KeypairBytes {
            secret_key: self.key.to_bytes(),
            public_key: None,
        }
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| ReceiptError::MalformedKey(e.to_string()))
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        self.public
    }

    /// Signs `receipt`, first setting its `key_id` to this key's and cutting its time to
    /// the microsecond its JSON holds (so the receipt returned equals the one read back).
    pub fn sign(&self, mut receipt: Receipt) -> SignedReceipt {
        receipt.key_id = self.public.key_id();
        receipt.decided_at = receipt.decided_at.trunc_subsecs(6);
        let signature = self.key.sign(&signed_bytes(&receipt));
        SignedReceipt {
            receipt,
            signature: STANDARD.encode(signature.to_bytes()),
        }
    }
}

/// The bytes a receipt's signature is over: [`DOMAIN`] and the receipt's canonical JSON.
pub fn signed_bytes(receipt: &Receipt) -> Vec<u8> {
    // A receipt is strings, integers, booleans and nulls under string keys, which
    // serde_json always represents; nothing read from outside can make this fail.
    #[allow(clippy::expect_used)]
    let value = serde_json::to_value(receipt).expect("a receipt always serialises to JSON");
    let mut bytes = DOMAIN.as_bytes().to_vec();
    bytes.extend_from_slice(crate::canonical(&value).as_bytes());
    bytes
}

/// Checks that `signed` was signed by `key` and not changed since.
pub fn verify(signed: &SignedReceipt, key: &PublicKey) -> Result<(), ReceiptError> {
    let key_id = key.key_id();
    if signed.receipt.key_id != key_id {
        return Err(ReceiptError::OtherKey {
            receipt_key_id: signed.receipt.key_id.clone(),
            key_id,
        });
    }
    let bytes = STANDARD
        .decode(signed.signature.trim())
        .map_err(|_| ReceiptError::MalformedSignature)?;
    let signature = Signature::from_slice(&bytes).map_err(|_| ReceiptError::MalformedSignature)?;
    key.0
        .verify_strict(&signed_bytes(&signed.receipt), &signature)
        .map_err(|_| ReceiptError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use countersign_core::wire::AuditHead;
    use countersign_core::{DecisionId, DraftId, Person, UserId, Verdict};
    use uuid::Uuid;

    fn signer() -> ReceiptSigner {
        ReceiptSigner::from_secret_bytes([42; 32])
    }

    fn receipt() -> Receipt {
        Receipt {
            decision_id: DecisionId(Uuid::from_u128(1)),
            draft_id: DraftId(Uuid::from_u128(2)),
            draft_version: 3,
            content_sha256: crate::content_sha256("Our prices start at 10 EUR."),
            verdict: Verdict::Approve,
            step: Some("legal".to_owned()),
            override_reason: false,
            reviewer: Person {
                id: UserId(Uuid::from_u128(4)),
                username: "rita".to_owned(),
                display_name: "Rita Reviewer".to_owned(),
            },
            decided_at: Utc
                .with_ymd_and_hms(2026, 12, 3, 15, 20, 0)
                .single()
                .expect("a valid time")
                + chrono::TimeDelta::nanoseconds(123_456_789),
            audit: AuditHead {
                position: 17,
                hash: "ab".repeat(32),
            },
            key_id: String::new(),
        }
    }

    #[test]
    fn a_signed_receipt_verifies_with_its_key_and_after_a_trip_through_json() {
        let signer = signer();
        let signed = signer.sign(receipt());
        assert_eq!(signed.receipt.key_id, signer.public_key().key_id());
        assert_eq!(verify(&signed, &signer.public_key()), Ok(()));
        let text = serde_json::to_string_pretty(&signed).expect("writes");
        let read: SignedReceipt = serde_json::from_str(&text).expect("reads");
        assert_eq!(read, signed, "the time was cut to what the JSON holds");
        assert_eq!(verify(&read, &signer.public_key()), Ok(()));
    }

    #[test]
    fn a_change_to_any_field_breaks_the_signature() {
        let signer = signer();
        let signed = signer.sign(receipt());
        let key = signer.public_key();
        type Edit = fn(&mut Receipt);
        let edits: [(&str, Edit); 12] = [
            ("decision_id", |r| {
                r.decision_id = DecisionId(Uuid::from_u128(9))
            }),
            ("draft_id", |r| r.draft_id = DraftId(Uuid::from_u128(9))),
            ("draft_version", |r| r.draft_version += 1),
            ("content_sha256", |r| {
                r.content_sha256 = crate::content_sha256("Our prices start at 1 EUR.");
            }),
            ("verdict", |r| r.verdict = Verdict::Reject),
            ("step", |r| r.step = None),
            ("override_reason", |r| r.override_reason = true),
            ("reviewer.id", |r| {
                r.reviewer.id = UserId(Uuid::from_u128(9))
            }),
            ("reviewer.username", |r| {
                r.reviewer.username = "mallory".to_owned()
            }),
            ("decided_at", |r| {
                r.decided_at += chrono::TimeDelta::microseconds(1);
            }),
            ("audit.position", |r| r.audit.position -= 1),
            ("audit.hash", |r| r.audit.hash = "cd".repeat(32)),
        ];
        for (field, edit) in edits {
            let mut tampered = signed.clone();
            edit(&mut tampered.receipt);
            assert_eq!(
                verify(&tampered, &key),
                Err(ReceiptError::BadSignature),
                "a changed {field} must not verify"
            );
        }
        let mut renamed = signed.clone();
        renamed.receipt.reviewer.display_name = "Someone Else".to_owned();
        assert_eq!(verify(&renamed, &key), Err(ReceiptError::BadSignature));
    }

    #[test]
    fn a_receipt_checked_against_another_key_names_both_keys() {
        let signed = signer().sign(receipt());
        let other = ReceiptSigner::from_secret_bytes([43; 32]).public_key();
        assert_eq!(
            verify(&signed, &other),
            Err(ReceiptError::OtherKey {
                receipt_key_id: signer().public_key().key_id(),
                key_id: other.key_id(),
            })
        );
        // The key_id rewritten to the other key's: still refused, by the signature.
        let mut relabelled = signed.clone();
        relabelled.receipt.key_id = other.key_id();
        assert_eq!(verify(&relabelled, &other), Err(ReceiptError::BadSignature));
        // And the key_id alone changed: it names a key it was not signed by.
        let mut renamed = signed;
        renamed.receipt.key_id = "0000000000000000".to_owned();
        assert!(matches!(
            verify(&renamed, &signer().public_key()),
            Err(ReceiptError::OtherKey { .. })
        ));
    }

    #[test]
    fn a_signature_that_is_not_base64_of_64_bytes_is_malformed_and_one_flipped_bit_is_bad() {
        let signer = signer();
        let key = signer.public_key();
        let signed = signer.sign(receipt());
        for garbage in ["", "not base64!", "c2hvcnQ=", &STANDARD.encode([0u8; 65])] {
            let mut bad = signed.clone();
            bad.signature = garbage.to_owned();
            assert_eq!(
                verify(&bad, &key),
                Err(ReceiptError::MalformedSignature),
                "{garbage:?}"
            );
        }
        let mut bytes = STANDARD.decode(&signed.signature).expect("base64");
        bytes[10] ^= 1;
        let mut flipped = signed;
        flipped.signature = STANDARD.encode(bytes);
        assert_eq!(verify(&flipped, &key), Err(ReceiptError::BadSignature));
    }

    #[test]
    fn the_signed_bytes_are_the_domain_line_and_the_canonical_json() {
        let signed = signer().sign(receipt());
        let bytes = signed_bytes(&signed.receipt);
        let text = String::from_utf8(bytes).expect("UTF-8");
        let json = text
            .strip_prefix("countersign-receipt/1\n")
            .expect("the domain line first");
        // Written out in full: a verifier in another language must produce exactly this.
        let expected = concat!(
            r#"{"audit":{"hash":"HASH","position":17},"#,
            r#""content_sha256":"CONTENT","decided_at":"2026-12-03T15:20:00.123456Z","#,
            r#""decision_id":"00000000-0000-0000-0000-000000000001","#,
            r#""draft_id":"00000000-0000-0000-0000-000000000002","draft_version":3,"#,
            r#""key_id":"KEYID","override_reason":false,"#,
            r#""reviewer":{"display_name":"Rita Reviewer","id":"00000000-0000-0000-0000-000000000004","username":"rita"},"#,
            r#""step":"legal","verdict":"approve"}"#,
        )
        .replace("HASH", &"ab".repeat(32))
        .replace("CONTENT", &signed.receipt.content_sha256)
        .replace("KEYID", "b600306cfa76723f");
        assert_eq!(json, expected);
        // Ed25519 is deterministic: the same key and bytes give this signature anywhere (checked
        // against `openssl pkeyutl -verify -rawin` when this test was written).
        assert_eq!(
            signed.signature,
            "+2oPPjTFwdzWu6Y3hKFfzC/mhEWqoLK8naBX+x3qjK6GtnccU2K9sT3OvmaZRxvDLq8GOI7utugUnp/YUVa7DA=="
        );
    }

    #[test]
    fn the_key_reads_back_from_its_pem_and_its_public_half_from_the_wire_form() {
        let signer = signer();
        let pem = signer.to_pem().expect("encodes");
        assert!(pem.as_ref().starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let again = ReceiptSigner::from_pem(pem.as_ref()).expect("reads");
        assert_eq!(again.public_key(), signer.public_key());
        // Exactly the 48 bytes OpenSSL writes for an Ed25519 key (RFC 8410, PKCS#8 v1):
        // a header, then the 32-byte secret.
        let body: String = pem
            .as_ref()
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let der = STANDARD.decode(body).expect("base64");
        let mut expected = vec![
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ];
        expected.extend_from_slice(&[42; 32]);
        assert_eq!(der, expected);
        let wire = signer.public_key().to_wire();
        assert_eq!(wire.algorithm, "ed25519");
        assert_eq!(wire.key_id.len(), 16);
        assert_eq!(PublicKey::from_wire(&wire), Ok(signer.public_key()));
        assert_eq!(
            PublicKey::from_base64(&wire.public_key),
            Ok(signer.public_key())
        );
        let lying = ReceiptKey {
            key_id: "0000000000000000".to_owned(),
            ..wire
        };
        assert!(matches!(
            PublicKey::from_wire(&lying),
            Err(ReceiptError::MalformedKey(_))
        ));
        assert!(format!("{signer:?}").contains(&signer.public_key().key_id()));
    }

    #[test]
    fn a_key_that_is_not_a_key_is_a_clear_error_that_does_not_quote_it() {
        let cut = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----\n";
        for text in ["", "hello", cut] {
            let error = ReceiptSigner::from_pem(text).expect_err("not a key");
            assert!(matches!(error, ReceiptError::MalformedKey(_)), "{error}");
            assert!(!error.to_string().contains("MC4CAQ"), "{error}");
        }
        assert!(PublicKey::from_base64("AAAA").is_err());
        assert!(PublicKey::from_base64("not base64!").is_err());
    }
}
