package sequences

import (
	"reflect"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
)

// fieldUse is one {{ .Name }} in a template that Data has no field for.
type fieldUse struct {
	line  int // template line, 1-based
	field string
}

// dataHas reports whether Data has an exported field name.
func dataHas(name string) bool {
	_, ok := reflect.TypeOf(Data{}).FieldByName(name)
	return ok
}

// unknownFields finds every field of the data used in t that Data lacks,
// in all branches, where executing the template would only visit one.
// Inside {{ range }} and {{ with }} the dot is something else, so only $.X
// is checked there.
func unknownFields(t *template.Template) []fieldUse {
	if t.Tree == nil {
		return nil
	}
	var out []fieldUse
	walkFields(t.Tree, t.Tree.Root, true, &out)
	return out
}

func walkFields(tree *parse.Tree, n parse.Node, dotIsData bool, out *[]fieldUse) {
	check := func(node parse.Node, name string) {
		if !dataHas(name) {
			*out = append(*out, fieldUse{line: nodeLine(tree, node), field: name})
		}
	}
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				walkFields(tree, c, dotIsData, out)
			}
		}
	case *parse.ActionNode:
		walkFields(tree, n.Pipe, dotIsData, out)
	case *parse.TemplateNode:
		walkFields(tree, n.Pipe, dotIsData, out)
	case *parse.IfNode:
		walkBranch(tree, &n.BranchNode, dotIsData, dotIsData, out)
	case *parse.RangeNode:
		walkBranch(tree, &n.BranchNode, dotIsData, false, out)
	case *parse.WithNode:
		walkBranch(tree, &n.BranchNode, dotIsData, false, out)
	case *parse.PipeNode:
		if n != nil {
			for _, c := range n.Cmds {
				walkFields(tree, c, dotIsData, out)
			}
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			walkFields(tree, a, dotIsData, out)
		}
	case *parse.ChainNode:
		walkFields(tree, n.Node, dotIsData, out)
	case *parse.FieldNode:
		if dotIsData {
			check(n, n.Ident[0])
		}
	case *parse.VariableNode:
		if len(n.Ident) > 1 && n.Ident[0] == "$" {
			check(n, n.Ident[1])
		}
	}
}

// walkBranch walks an if, range or with: its pipeline and else branch see
// the outer dot, its body sees bodyDotIsData.
func walkBranch(tree *parse.Tree, b *parse.BranchNode, dotIsData, bodyDotIsData bool, out *[]fieldUse) {
	walkFields(tree, b.Pipe, dotIsData, out)
	walkFields(tree, b.List, bodyDotIsData, out)
	walkFields(tree, b.ElseList, dotIsData, out)
}

// nodeLine is the template line of a node.
func nodeLine(tree *parse.Tree, n parse.Node) int {
	loc, _ := tree.ErrorContext(n) // "name:line:col"
	parts := strings.Split(loc, ":")
	if len(parts) < 3 {
		return 1
	}
	line, err := strconv.Atoi(parts[len(parts)-2])
	if err != nil {
		return 1
	}
	return line
}
