package span

import "bytes"

// Replaced indexes text, which is x's text with bytes [start, end) replaced
// by inserted: the lines before the edit keep their starts, those after it
// move by the change in length, and only the inserted bytes are scanned, so
// an editor's keystroke in a large buffer costs its line count, not its
// bytes. start and end are clamped as offsets are.
func (x *Index) Replaced(text []byte, start, end int, inserted []byte) *Index {
	start, end = x.clamp(start), x.clamp(end)
	if end < start {
		start, end = end, start
	}
	first := x.LineOf(start) + 1 // the first line start the edit can move or remove
	last := first
	for last < len(x.lineStarts) && x.lineStarts[last] <= end {
		last++
	}
	delta := len(inserted) - (end - start)
	starts := make([]int, 0, len(x.lineStarts)-(last-first)+bytes.Count(inserted, []byte{'\n'}))
	starts = append(starts, x.lineStarts[:first]...)
	for i := 0; ; {
		nl := bytes.IndexByte(inserted[i:], '\n')
		if nl < 0 {
			break
		}
		i += nl + 1
		starts = append(starts, start+i)
	}
	for _, s := range x.lineStarts[last:] {
		starts = append(starts, s+delta)
	}
	return &Index{text: text, lineStarts: starts}
}
