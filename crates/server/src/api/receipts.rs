//! `GET /api/v1/receipts/key`: the public half of the key receipts are signed with. It is
//! public by design, so anyone holding a receipt can check it, and needs no token.

use super::extract::Json;
use crate::Server;
use axum::extract::State;
use countersign_core::wire::ReceiptKey;

/// The public key every decision's receipt is signed with (Ed25519), and its `key_id`:
/// check a receipt's signature over `countersign-receipt/1\n` + the receipt's canonical
/// JSON (RFC 8785) with it. No token needed.
#[utoipa::path(get, path = "/api/v1/receipts/key", tag = "receipts",
    responses(
        (status = 200, description = "`algorithm` (`ed25519`), `public_key` (base64 of 32 bytes) and `key_id`", body = ReceiptKey),
    ))]
pub(crate) async fn key(State(server): State<Server>) -> Json<ReceiptKey> {
    Json(server.receipt_key().to_wire())
}
