package project

import (
	"github.com/cargo-caps/cargo-caps/graph"
	"github.com/cargo-caps/cargo-caps/manifest"
)

// schedule orders the analysis of a set of crates. A crate is ready once
// the crates of the set it depends on through normal edges are done: their
// summaries' exports extend its API table (a dependency's re-export of
// std::fs::write is an fs use where it is called). Among the ready crates,
// members come first (an editor shows their diagnostics soonest), then the
// one heading the heaviest chain of work still to do — its own size plus
// that of its heaviest chain of dependents — so that neither a big crate
// nor a long chain starts last while the other cores sit idle.
type schedule struct {
	waiting    map[graph.ID]int // unfinished dependencies in the set
	dependents map[graph.ID][]*graph.Crate
	rank       map[graph.ID]int64
	ready      []*graph.Crate
	blocked    []*graph.Crate // not ready yet, in the order given
}

func newSchedule(crates []*graph.Crate) *schedule {
	s := &schedule{
		waiting:    map[graph.ID]int{},
		dependents: map[graph.ID][]*graph.Crate{},
		rank:       map[graph.ID]int64{},
	}
	in := map[graph.ID]*graph.Crate{}
	for _, c := range crates {
		in[c.ID] = c
	}
	for _, c := range crates {
		for _, id := range normalDeps(c) {
			if in[id] != nil && id != c.ID {
				s.waiting[c.ID]++
				s.dependents[id] = append(s.dependents[id], c)
			}
		}
	}
	var rankOf func(c *graph.Crate) int64
	rankOf = func(c *graph.Crate) int64 {
		if r, ok := s.rank[c.ID]; ok {
			return r
		}
		s.rank[c.ID] = 0 // in progress: a cycle adds nothing
		heaviest := int64(0)
		for _, d := range s.dependents[c.ID] {
			heaviest = max(heaviest, rankOf(d))
		}
		r := sourceSize(c) + heaviest
		s.rank[c.ID] = r
		return r
	}
	for _, c := range crates {
		rankOf(c)
		if s.waiting[c.ID] == 0 {
			s.ready = append(s.ready, c)
		} else {
			s.blocked = append(s.blocked, c)
		}
	}
	return s
}

// normalDeps lists the crates c depends on through normal edges.
func normalDeps(c *graph.Crate) []graph.ID {
	var out []graph.ID
	for _, e := range c.Deps {
		if e.Kind == manifest.Normal {
			out = append(out, e.To)
		}
	}
	return out
}

// next hands out the ready crate to analyse now, or nil when none is ready.
// With none ready and none running (running false) while crates are left,
// the dependencies form a cycle, which cargo does not build: the heaviest
// blocked crate goes first, without the exports it waits for.
func (s *schedule) next(running bool) *graph.Crate {
	if len(s.ready) == 0 && !running && len(s.blocked) > 0 {
		best := 0
		for i, c := range s.blocked {
			if s.rank[c.ID] > s.rank[s.blocked[best].ID] {
				best = i
			}
		}
		s.ready = append(s.ready, s.blocked[best])
		s.waiting[s.blocked[best].ID] = 0
		s.blocked = append(s.blocked[:best], s.blocked[best+1:]...)
	}
	if len(s.ready) == 0 {
		return nil
	}
	best := 0
	for i, c := range s.ready {
		if s.before(c, s.ready[best]) {
			best = i
		}
	}
	c := s.ready[best]
	s.ready = append(s.ready[:best], s.ready[best+1:]...)
	return c
}

func (s *schedule) before(a, b *graph.Crate) bool {
	if a.Member != b.Member {
		return a.Member
	}
	return s.rank[a.ID] > s.rank[b.ID]
}

// done records that c is analysed: dependents waiting only for it are ready.
func (s *schedule) done(c *graph.Crate) {
	for _, d := range s.dependents[c.ID] {
		if s.waiting[d.ID] == 0 {
			continue // released from a cycle already
		}
		if s.waiting[d.ID]--; s.waiting[d.ID] == 0 {
			s.ready = append(s.ready, d)
			for i, b := range s.blocked {
				if b == d {
					s.blocked = append(s.blocked[:i], s.blocked[i+1:]...)
					break
				}
			}
		}
	}
}
