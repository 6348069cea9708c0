//! Contempt or mockery of customers.
//!
//! STUB — being written.

use super::{Detect, Hit, Input};
use crate::pack::Organisation;
use serde::{Deserialize, Serialize};

/// Parameters of the detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContemptParams {}

#[derive(Debug)]
pub(crate) struct Contempt;

impl Detect for Contempt {
    fn find(&self, _input: &Input<'_>, _hits: &mut Vec<Hit>) {}
}

pub(crate) fn compile(_params: &ContemptParams, _org: &Organisation) -> Result<Contempt, String> {
    Ok(Contempt)
}
