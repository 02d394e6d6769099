package project

import (
	"context"

	"github.com/cargo-caps/cargo-caps/policy"
)

// Diff analyses the workspace once with each lockfile (never running cargo)
// and reports every crate whose version changed, with the capabilities it
// gained or lost.
func Diff(ctx context.Context, manifestPath, oldLock, newLock string, opts Options) ([]policy.Change, error) {
	opts.NoCargo = true
	var results [2]*policy.Result
	for i, lock := range []string{oldLock, newLock} {
		o := opts
		o.Lockfile = lock
		w, err := Load(ctx, manifestPath, o)
		if err != nil {
			return nil, err
		}
		results[i] = w.Result
	}
	return policy.Diff(results[0], results[1]), nil
}
