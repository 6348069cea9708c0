//! System tests: the real server on loopback, real desktops (app layer, encrypted cache,
//! keychain) syncing with it, and faults injected in between.

mod bulk;
mod chaos;
mod crash;
mod fault_proxy;
mod faults;
mod hostile;
mod keychain_and_disk;
mod lease;
mod policy;
mod receipts;
mod resignin;
mod restore;
mod rules;
mod support;
mod sync;
