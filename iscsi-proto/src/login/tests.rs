//! Scripted login transcripts.
