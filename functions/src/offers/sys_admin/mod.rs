//! `/offers/v1/sys_admin/*`: read-only views across organizations (`sys_admin` only).

pub mod visits;
