//! System tests live in `tests/*.rs`.
