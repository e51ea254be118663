package main

import (
	"fmt"
	"io"
	"strings"
)

// helpWidth is where help wraps the variables' meanings.
const helpWidth = 80

// writeHelp prints the commands and every variable `allot run` reads, with
// its default and meaning (envVars), then the seed bots' names it knows.
func writeHelp(w io.Writer) {
	fmt.Fprint(w, usage)
	fmt.Fprint(w, "\nallot run reads these from the environment, or from .env in the working directory\n"+
		"(the environment wins). A bad value stops the start, naming the variable.\n")
	group := ""
	for _, v := range envVars {
		if v.Group != group {
			group = v.Group
			fmt.Fprintf(w, "\n%s:\n", group)
		}
		name := v.Name
		if v.Default != "" {
			name += "=" + v.Default
		}
		fmt.Fprintf(w, "  %s\n%s", name, wrap(strings.ReplaceAll(v.Meaning, "`", ""), "      ", helpWidth))
	}
	writeSeedHelp(w)
}

// writeSeedHelp lists the seed bots' names: those read as Allot's, and
// those that mean nothing here, which the start names in a warning.
func writeSeedHelp(w io.Writer) {
	fmt.Fprint(w, "\nThe seed bots' names, read when Allot's is unset (Allot's wins), as the start says:\n")
	for _, a := range seedAliases {
		fmt.Fprintf(w, "  %s → %s\n", a.Seed, a.Name)
	}
	names := make([]string, len(seedRetiredVars))
	for i, r := range seedRetiredVars {
		names[i] = r.Name
	}
	fmt.Fprint(w, "\nThe seed bots' variables that mean nothing here: when one is set, the start warns\nand says what replaces it.\n")
	fmt.Fprint(w, wrap(strings.Join(names, ", "), "  ", helpWidth))
}

// wrap breaks text into lines of at most width columns (a longer word
// keeps its own line), each starting with indent and ending in a newline.
func wrap(text, indent string, width int) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if line != indent && len([]rune(line))+1+len([]rune(word)) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += word
	}
	b.WriteString(line + "\n")
	return b.String()
}
