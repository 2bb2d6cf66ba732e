package main

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/cli"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/dlq"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/mesh"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/seed"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/signin"
	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
)

func dlqCommand() cli.Command {
	cmds := []cli.Command{
		{Name: "list", Summary: "list the dead letters of every service (or of one consumer)", Run: runDLQ("list")},
		{Name: "show", Summary: "show one dead letter with its headers and payload", Run: runDLQ("show")},
		{Name: "replay", Summary: "apply dead letters again through the consumer that gave up on them", Run: runDLQ("replay")},
		{Name: "discard", Summary: "remove dead letters without applying them", Run: runDLQ("discard")},
	}
	return cli.Command{
		Name:    "dlq",
		Summary: "dead letters: list, show, replay, discard (as an admin)",
		Run: func(ctx context.Context, args []string) error {
			return cli.Dispatch(ctx, prog+" dlq", cmds, args, os.Stdout, os.Stderr)
		},
	}
}

const dlqSummary = `Work with the events consumers gave up on, through each service's
DeadLetterService, signed in as an admin. Without --addr it asks every service of
the local mesh (crossdock up, with --port-offset); against a cluster, forward a
service's gRPC port and the users service's, e.g.

  kubectl -n crossdock port-forward deploy/inventory 19090:9090 &
  kubectl -n crossdock port-forward deploy/users 19091:9090 &
  crossdock dlq list --addr 127.0.0.1:19090 --users-addr 127.0.0.1:19091

or give an admin's access token (--token, env CROSSDOCK_TOKEN) instead of signing
in. show, replay and discard take dead-letter sequences (the SEQ column of list);
the service that owns each is found by asking.`

func runDLQ(verb string) func(context.Context, []string) error {
	return func(ctx context.Context, args []string) error {
		fs := cli.FlagSet(prog, "dlq "+verb, dlqSummary, os.Stderr)
		offset := fs.Int("port-offset", 0, "the local mesh's port offset (crossdock up --port-offset)")
		addr := fs.String("addr", "", "one service's gRPC address instead of the local mesh's services")
		service := fs.String("service", "", "with --addr: the service's name, for the output; without: only this service of the local mesh")
		usersAddr := fs.String("users-addr", "", "the users service's gRPC address, for signing in (default: the local mesh's)")
		token := fs.String("token", os.Getenv("CROSSDOCK_TOKEN"), "an admin's access token instead of signing in (env CROSSDOCK_TOKEN)")
		email := fs.String("email", envOr("CROSSDOCK_EMAIL", seed.AdminEmail), "admin account (env CROSSDOCK_EMAIL)")
		password := fs.String("password", envOr("CROSSDOCK_PASSWORD", seed.DemoPassword), "its password (env CROSSDOCK_PASSWORD)")
		consumer := fs.String("consumer", "", "list: only this consumer's dead letters")
		positional, err := cli.ParseArgs(fs, args)
		if err != nil {
			return err
		}
		seqs, err := sequences(verb, positional)
		if err != nil {
			return err
		}
		plan, err := mesh.NewPlan(*offset)
		if err != nil {
			return &cli.UsageError{Msg: err.Error()}
		}

		var targets []dlq.Target
		dial := func(name, address string) error {
			conn, err := grpc.NewClient(address, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				return fmt.Errorf("%s at %s: %w", name, address, err)
			}
			context.AfterFunc(ctx, func() { conn.Close() })
			targets = append(targets, dlq.NewTarget(name, conn))
			return nil
		}
		if *addr != "" {
			name := *service
			if name == "" {
				name = *addr
			}
			if err := dial(name, *addr); err != nil {
				return err
			}
		} else {
			for _, s := range mesh.Backends() {
				if *service == "" || *service == s.Name {
					if err := dial(s.Name, plan.Of(s).GRPC); err != nil {
						return err
					}
				}
			}
			if len(targets) == 0 {
				return &cli.UsageError{Msg: fmt.Sprintf("--service %q is not a service of the mesh", *service)}
			}
		}

		op := &dlq.Operator{Targets: targets, Out: os.Stdout, Warn: os.Stderr,
			Token: func(context.Context) (string, error) { return *token, nil }}
		if *token == "" {
			if *usersAddr == "" {
				*usersAddr = plan.Of(mesh.Service{Name: mesh.Users}).GRPC
			}
			conn, err := grpc.NewClient(*usersAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				return fmt.Errorf("--users-addr: %w", err)
			}
			defer conn.Close()
			op.Token = (&signin.Session{Users: usersv1.NewUsersServiceClient(conn), Email: *email, Password: *password}).Token
		}
		switch verb {
		case "list":
			return op.List(ctx, *consumer)
		case "show":
			return op.Show(ctx, seqs[0])
		case "replay":
			return op.Replay(ctx, seqs)
		default:
			return op.Discard(ctx, seqs)
		}
	}
}

// sequences reads the dead-letter sequences a verb takes: none for list,
// one for show, one or more for replay and discard.
func sequences(verb string, args []string) ([]uint64, error) {
	switch {
	case verb == "list" && len(args) > 0:
		return nil, &cli.UsageError{Msg: "list takes no arguments"}
	case verb == "show" && len(args) != 1:
		return nil, &cli.UsageError{Msg: "show takes one dead-letter sequence"}
	case verb != "list" && len(args) == 0:
		return nil, &cli.UsageError{Msg: verb + " takes one or more dead-letter sequences"}
	}
	out := make([]uint64, len(args))
	for i, a := range args {
		n, err := strconv.ParseUint(a, 10, 64)
		if err != nil || n == 0 {
			return nil, &cli.UsageError{Msg: fmt.Sprintf("%q is not a dead-letter sequence", a)}
		}
		out[i] = n
	}
	return out, nil
}
