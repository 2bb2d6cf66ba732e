// Package cli dispatches a command line to subcommands, each with its own flag
// set, and maps the outcome to an exit status: 0 for success and help, 2 for a
// usage mistake, 1 for a failure. Nested commands (`freight import`) dispatch
// again with the same function.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
)

// Command is one subcommand.
type Command struct {
	Name    string
	Summary string // one line, shown in the command list
	// Run receives the arguments after the command's name.
	Run func(ctx context.Context, args []string) error
}

// UsageError is a mistake in the command line rather than a failure of the
// command; it exits with status 2, as flag parsing does.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Dispatch runs the command named by args[0]. "help" (or -h) lists the
// commands, and "help <command>" shows that command's flags.
func Dispatch(ctx context.Context, prog string, cmds []Command, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr, prog, cmds)
		return &UsageError{Msg: "no command given"}
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) == 0 {
			usage(stdout, prog, cmds)
			return nil
		}
		name, rest = rest[0], []string{"-h"}
	}
	for _, c := range cmds {
		if c.Name == name {
			err := c.Run(ctx, rest)
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return err
		}
	}
	usage(stderr, prog, cmds)
	return &UsageError{Msg: fmt.Sprintf("unknown command %q", name)}
}

func usage(w io.Writer, prog string, cmds []Command) {
	fmt.Fprintf(w, "Usage: %s <command> [flags]\n\nCommands:\n", prog)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range cmds {
		fmt.Fprintf(tw, "  %s\t%s\n", c.Name, c.Summary)
	}
	fmt.Fprintf(tw, "  help\tshow this list, or a command's flags (%s help <command>)\n", prog)
	tw.Flush()
}

// FlagSet returns a flag set for a subcommand that reports errors instead of
// exiting and prints its usage to w.
func FlagSet(prog, name, summary string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(prog+" "+name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "Usage: %s %s [flags]\n\n%s\n\nFlags:\n", prog, name, summary)
		fs.PrintDefaults()
	}
	return fs
}

// Parse parses args and rejects positional arguments: a mistyped flag value
// then fails loudly instead of being ignored. flag.ErrHelp is passed through
// (Dispatch turns it into success).
func Parse(fs *flag.FlagSet, args []string) error {
	positional, err := ParseArgs(fs, args)
	if err == nil && len(positional) > 0 {
		fs.Usage()
		return &UsageError{Msg: fmt.Sprintf("unexpected argument %q", positional[0])}
	}
	return err
}

// ParseArgs parses args for a command that takes positional arguments and
// returns them; flags may come before, between or after them
// (`dlq replay 12 --port-offset 3`).
func ParseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &UsageError{Msg: err.Error()}
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// ExitCode reports err on w (prefixed with prog) and returns the exit status.
func ExitCode(prog string, err error, w io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(w, "%s: %v\n", prog, err)
	var ue *UsageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}
