package render

import (
	"encoding/json"
	"io"

	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/policy"
)

// JSON field names are a contract (SPEC §5): change them only with the version.
type jsonReport struct {
	Version  int           `json:"version"`
	Findings []jsonFinding `json:"findings"`
	Uses     []jsonUse     `json:"uses"`
	Crates   []jsonCrate   `json:"crates"`
}

type jsonFinding struct {
	Code         string      `json:"code"`
	Severity     string      `json:"severity"`
	Capability   string      `json:"capability,omitempty"`
	Capabilities []string    `json:"capabilities,omitempty"` // a grouped dependency finding's, most powerful first
	Crate        string      `json:"crate"`
	CrateVersion string      `json:"crate_version"`
	File         string      `json:"file"`
	Line         int         `json:"line"`
	Column       int         `json:"column"`
	EndLine      int         `json:"end_line"`
	EndColumn    int         `json:"end_column"`
	API          string      `json:"api,omitempty"`
	Message      string      `json:"message"`
	Chain        []string    `json:"chain"`
	Crates       []jsonCause `json:"crates,omitempty"` // the crates a grouped dependency finding is about
	// On build-time-code only: static uses of the build-time code, and its build grants.
	Uses    *[]string `json:"uses,omitempty"`
	Granted *[]string `json:"granted,omitempty"`
}

type jsonCause struct {
	Name         string     `json:"name"`
	Version      string     `json:"version"`
	Capabilities []string   `json:"capabilities"`
	Chain        []string   `json:"chain"`
	Sites        []jsonSite `json:"sites"`
}

type jsonUse struct {
	Crate        string `json:"crate"`
	CrateVersion string `json:"crate_version"`
	Capability   string `json:"capability"`
	File         string `json:"file"`
	Line         int    `json:"line"`
	Column       int    `json:"column"`
	API          string `json:"api"`
	Context      string `json:"context"`
}

type jsonCrate struct {
	Name        string   `json:"name"`
	Version     string   `json:"version"`
	Uses        []string `json:"uses"`
	Allowed     []string `json:"allowed"`
	Pure        bool     `json:"pure"`
	PureTree    bool     `json:"pure_tree"`
	BuildScript bool     `json:"build_script"`
	ProcMacro   bool     `json:"proc_macro"`
	Unanalysed  int      `json:"unanalysed"`
}

// JSON writes the result as SPEC §5's JSON object.
func JSON(w io.Writer, res *policy.Result, src *Sources) error {
	out := jsonReport{Version: 1, Findings: []jsonFinding{}, Uses: []jsonUse{}, Crates: []jsonCrate{}}
	for _, f := range res.Findings {
		p := src.place(f.File, f.CrateDir, f.Range)
		jf := jsonFinding{
			Code: string(f.Code), Severity: f.Severity.String(), Crate: f.Crate, CrateVersion: f.CrateVersion,
			File: p.File, Line: p.Line, Column: p.Column, EndLine: p.EndLine, EndColumn: p.EndColumn,
			API: f.API, Message: f.Message, Chain: f.Chain,
		}
		if f.HasCap {
			jf.Capability = f.Capability.String()
		}
		if f.Code == finding.BuildTimeCode {
			uses, granted := f.BuildUses.Names(), f.BuildGranted.Names()
			jf.Uses, jf.Granted = &uses, &granted
		}
		if jf.Chain == nil {
			jf.Chain = chainOf(f)
		}
		if !f.Capabilities.IsEmpty() {
			jf.Capabilities = f.Capabilities.Names()
		}
		for _, c := range f.Causes {
			jc := jsonCause{Name: c.Crate, Version: c.Version, Capabilities: c.Capabilities.Names(), Chain: c.Chain, Sites: []jsonSite{}}
			for _, site := range c.Sites {
				jc.Sites = append(jc.Sites, siteJSON(site, c.Dir, src))
			}
			jf.Crates = append(jf.Crates, jc)
		}
		out.Findings = append(out.Findings, jf)
	}
	for _, u := range res.Uses {
		p := src.place(u.File, u.CrateDir, u.Range)
		out.Uses = append(out.Uses, jsonUse{
			Crate: u.Crate, CrateVersion: u.Version, Capability: u.Cap.String(),
			File: p.File, Line: p.Line, Column: p.Column, API: u.API, Context: u.ContextName(),
		})
	}
	for _, c := range res.Crates {
		out.Crates = append(out.Crates, jsonCrate{
			Name: c.Name, Version: c.Version, Uses: c.Uses.Names(), Allowed: c.Allowed.Names(),
			Pure: c.Pure, PureTree: c.PureTree, BuildScript: c.BuildScript, ProcMacro: c.ProcMacro,
			Unanalysed: c.Unanalysed,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // `Vec<u8>` and `<T as Trait>::f` read as written
	return enc.Encode(out)
}

func chainOf(f finding.Finding) []string {
	if f.Crate == "" {
		return []string{}
	}
	return []string{f.Crate}
}
