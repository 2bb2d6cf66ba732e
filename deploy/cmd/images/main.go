// Command images builds crossdock's images without a Docker engine and
// pushes them: `go run ./deploy/cmd/images -registry 127.0.0.1:5000 -tag dev`
// from the repository root (deploy/images says how they are made).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/crossdock/crossdock/deploy/images"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "images:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("images", flag.ContinueOnError)
	registry := fs.String("registry", "", "where to push, e.g. 127.0.0.1:5000 or ghcr.io/acme (required)")
	tag := fs.String("tag", "dev", "the images' tag (a release version for production)")
	insecure := fs.Bool("insecure", false, "push over plain HTTP (a registry on loopback)")
	root := fs.String("root", ".", "the repository root")
	arch := fs.String("arch", "", "target architecture (default: this machine's)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *registry == "" {
		return errors.New("-registry is required")
	}
	targets := fs.Args()
	if len(targets) == 0 {
		entries, err := os.ReadDir(filepath.Join(*root, "services"))
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.IsDir() {
				targets = append(targets, e.Name())
			}
		}
	}
	var opts []name.Option
	if *insecure {
		opts = append(opts, name.Insecure)
	}
	for _, service := range targets {
		pkg := images.ServicePackage(service)
		if _, err := os.Stat(filepath.Join(*root, "services", service)); err != nil {
			// A simulator (simulators/cmd/<name>) is built the same way.
			pkg = "./simulators/cmd/" + service
		}
		img, err := images.Build(ctx, images.Spec{Root: *root, Package: pkg, Arch: *arch})
		if err != nil {
			return err
		}
		ref, err := name.ParseReference(fmt.Sprintf("%s/crossdock/%s:%s", strings.TrimSuffix(*registry, "/"), service, *tag), opts...)
		if err != nil {
			return err
		}
		if err := remote.Write(ref, img, remote.WithContext(ctx)); err != nil {
			return fmt.Errorf("push %s: %w", ref, err)
		}
		digest, _ := img.Digest()
		fmt.Printf("%s@%s\n", ref, digest)
	}
	return nil
}
