package lsp

import "time"

// pollInterval is how often the session looks at the disk itself when the
// client cannot watch files for it (Neovim 0.7; project.Session.Watch): a
// stat of every manifest, lockfile and Rust file of each workspace, a few
// milliseconds a second for a workspace of thousands of files. Tests
// shorten it.
var pollInterval = time.Second
