package graph

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// workspace is the root manifest, its members and every path package they
// reach, read without running cargo.
type workspace struct {
	dir     string
	members map[string]bool         // manifest paths of members
	byPath  map[string]*pkgManifest // every path package, by manifest path
	paths   map[string]*pkgManifest // the same, by "name@version"
}

// findWorkspace finds the workspace of a manifest: the manifest itself when
// it has [workspace], the one `package.workspace` names, or the nearest
// ancestor with [workspace]; else the package stands alone.
func findWorkspace(manifestPath string) (*workspace, error) {
	doc, err := readTOML(manifestPath)
	if err != nil {
		return nil, fmt.Errorf("reading manifest: %v", err)
	}
	rootPath := ""
	switch {
	case doc["workspace"] != nil:
		rootPath = manifestPath
	case str(table(doc, "package"), "workspace") != "":
		rootPath = filepath.Join(filepath.Dir(manifestPath), str(table(doc, "package"), "workspace"), "Cargo.toml")
	default:
		for dir := filepath.Dir(filepath.Dir(manifestPath)); ; dir = filepath.Dir(dir) {
			cand := filepath.Join(dir, "Cargo.toml")
			if d, err := readTOML(cand); err == nil && d["workspace"] != nil {
				rootPath = cand
				break
			}
			if dir == filepath.Dir(dir) {
				break
			}
		}
	}
	root := doc
	if rootPath == "" {
		rootPath = manifestPath
	} else if rootPath != manifestPath {
		if root, err = readTOML(rootPath); err != nil {
			return nil, fmt.Errorf("reading workspace root: %v", err)
		}
	}
	ws := &workspace{dir: filepath.Dir(rootPath), members: map[string]bool{}, byPath: map[string]*pkgManifest{}, paths: map[string]*pkgManifest{}}
	var memberPaths, excluded []string
	if root["package"] != nil {
		memberPaths = append(memberPaths, rootPath)
	}
	if w := table(root, "workspace"); w != nil {
		for _, e := range strs(w, "exclude") {
			excluded = append(excluded, filepath.Join(ws.dir, e))
		}
		for _, pattern := range strs(w, "members") {
			dirs, err := filepath.Glob(filepath.Join(ws.dir, pattern))
			if err != nil {
				return nil, fmt.Errorf("%s: workspace member %q: %v", rootPath, pattern, err)
			}
			sort.Strings(dirs)
			for _, d := range dirs {
				m := filepath.Join(d, "Cargo.toml")
				if _, err := os.Stat(m); err == nil && !under(d, excluded) {
					memberPaths = append(memberPaths, m)
				}
			}
		}
	} else {
		memberPaths = []string{manifestPath}
	}
	for _, m := range memberPaths {
		ws.members[m] = true
	}
	// Path dependencies are packages too; inside the workspace directory they are members.
	var patches []string
	for _, t := range table(root, "patch") {
		tab, _ := t.(map[string]any)
		for _, v := range tab {
			if p := str(asTable(v), "path"); p != "" {
				patches = append(patches, filepath.Join(ws.dir, p, "Cargo.toml"))
			}
		}
	}
	queue := append(append([]string{}, memberPaths...), patches...)
	for len(queue) > 0 {
		path := queue[0]
		queue = queue[1:]
		if ws.byPath[path] != nil {
			continue
		}
		p, err := readPackage(path, root, ws.dir)
		if err != nil {
			if ws.members[path] {
				return nil, fmt.Errorf("reading workspace member: %v", err)
			}
			continue
		}
		ws.byPath[path] = p
		ws.paths[p.name+"@"+p.version] = p
		for _, d := range p.deps {
			if d.path == "" {
				continue
			}
			m := filepath.Join(d.path, "Cargo.toml")
			if under(d.path, []string{ws.dir}) && !under(d.path, excluded) && table(root, "workspace") != nil {
				ws.members[m] = true
			}
			queue = append(queue, m)
		}
	}
	return ws, nil
}

func asTable(v any) map[string]any {
	t, _ := v.(map[string]any)
	return t
}

// under reports whether dir is one of roots or inside one.
func under(dir string, roots []string) bool {
	for _, r := range roots {
		if rel, err := filepath.Rel(r, dir); err == nil && filepath.IsLocal(rel) || dir == r {
			return true
		}
	}
	return false
}
