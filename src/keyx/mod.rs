//! Key exchange in the style of Netflix MSL (temporary stub while building).
#![allow(missing_docs, dead_code)]
mod error;
mod dh;
mod ffdh;
mod model;
