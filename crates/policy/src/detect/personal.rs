//! Personal data: contact details, payment data, addresses, dates of birth, references.
//!
//! STUB — being written. Each constructor returns a detector that finds nothing yet.

use super::{Detect, Hit, Input};
use crate::pack::Organisation;
use serde::{Deserialize, Serialize};

macro_rules! stub {
    ($params:ident, $detector:ident, $ctor:ident) => {
        /// Parameters of the detector.
        #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $params {}

        #[derive(Debug)]
        pub(crate) struct $detector;

        impl Detect for $detector {
            fn find(&self, _input: &Input<'_>, _hits: &mut Vec<Hit>) {}
        }

        pub(crate) fn $ctor(_params: &$params) -> Result<$detector, String> {
            Ok($detector)
        }
    };
}

stub!(EmailParams, Email, email);
stub!(PhoneParams, Phone, phone);
stub!(PaymentCardParams, PaymentCard, payment_card);
stub!(BankAccountParams, BankAccount, bank_account);
stub!(PostalAddressParams, PostalAddress, postal_address);
stub!(DateOfBirthParams, DateOfBirth, date_of_birth);

/// Parameters of the reference detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceParams {}

#[derive(Debug)]
pub(crate) struct Reference;

impl Detect for Reference {
    fn find(&self, _input: &Input<'_>, _hits: &mut Vec<Hit>) {}
}

pub(crate) fn reference(
    _params: &ReferenceParams,
    _org: &Organisation,
) -> Result<Reference, String> {
    Ok(Reference)
}
