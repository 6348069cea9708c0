//! Health and private life of people readers could identify.
//!
//! STUB — being written.

use super::{Detect, Hit, Input};
use crate::pack::Organisation;
use serde::{Deserialize, Serialize};

/// Parameters of the detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthParams {}

#[derive(Debug)]
pub(crate) struct HealthAboutPerson;

impl Detect for HealthAboutPerson {
    fn find(&self, _input: &Input<'_>, _hits: &mut Vec<Hit>) {}
}

pub(crate) fn compile(
    _params: &HealthParams,
    _org: &Organisation,
) -> Result<HealthAboutPerson, String> {
    Ok(HealthAboutPerson)
}
