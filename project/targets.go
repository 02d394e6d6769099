package project

// targets are the triples the graph is built for: --target wins over the
// root manifest's `[workspace.metadata.capabilities] targets`.
func (w *Workspace) targets() []string {
	if len(w.opts.Targets) > 0 {
		return w.opts.Targets
	}
	if m := w.RootManifest(); m != nil && m.Workspace != nil {
		return m.Workspace.Targets
	}
	return nil
}
