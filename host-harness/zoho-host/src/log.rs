//! Where the component's log messages go.

use std::sync::{Arc, Mutex, PoisonError};

use crate::bindings::Level;

/// Receives the component's log messages (already redacted).
pub trait LogSink: Send + Sync {
    fn log(&self, level: Level, context: &str, message: &str);
}

/// Discards everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoLog;

impl LogSink for NoLog {
    fn log(&self, _level: Level, _context: &str, _message: &str) {}
}

/// One recorded message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    pub level: String,
    pub context: String,
    pub message: String,
}

/// Keeps every message in memory (tests, and platforms that show a run's log afterwards).
#[derive(Debug, Default, Clone)]
pub struct MemoryLog(Arc<Mutex<Vec<LogRecord>>>);

impl MemoryLog {
    pub fn records(&self) -> Vec<LogRecord> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl LogSink for MemoryLog {
    fn log(&self, level: Level, context: &str, message: &str) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push(LogRecord {
            level: level_name(level).to_owned(),
            context: context.to_owned(),
            message: message.to_owned(),
        });
    }
}

/// Lower-case name of a level, as printed by the CLI.
pub fn level_name(level: Level) -> &'static str {
    match level {
        Level::Trace => "trace",
        Level::Debug => "debug",
        Level::Info => "info",
        Level::Warn => "warn",
        Level::Error => "error",
    }
}
