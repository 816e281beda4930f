//! Components shared by every lab.

pub mod avail;
pub mod banner;
pub mod chart;
pub mod controls;
pub mod event_log;
pub mod export;
pub mod hooks;
pub mod lab;
pub mod lesson;
pub mod network;
pub mod sheet;
