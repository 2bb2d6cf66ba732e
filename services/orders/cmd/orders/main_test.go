package main

import (
	"testing"

	"github.com/crossdock/crossdock/pkg/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestRunCreatesItsStream(t *testing.T) { testkit.RequireStreamCreated(t, run, "orders") }
