//! Counting a post the way its network does.
//!
//! STUB — being written: counts code points for every network for now.

use countersign_core::Network;
use countersign_core::finding::Measure;

/// How long `body` is on `network`, in the network's own unit, against its limit.
pub fn measure(body: &str, network: Network) -> Measure {
    let weighted_length = body.chars().count();
    let limit = network.length_limit();
    Measure {
        network: network.as_str().to_owned(),
        weighted_length,
        limit,
        unit: "characters".to_owned(),
        valid: weighted_length <= limit,
    }
}
