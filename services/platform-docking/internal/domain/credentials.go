package domain

import "log/slog"

// Credentials are what Crossdock calls a REST marketplace with: the app key
// and secret the partner issued. They are written, used and sealed at rest,
// never returned; the String, GoString and LogValue methods keep them out of
// logs and error messages however they are printed.
type Credentials struct {
	AppKey    string
	AppSecret string
}

// Empty reports whether no credentials are held.
func (c Credentials) Empty() bool { return c.AppKey == "" && c.AppSecret == "" }

const redacted = "[credentials redacted]"

// String hides the credentials from fmt's %v and %s.
func (c Credentials) String() string { return redacted }

// GoString hides the credentials from fmt's %#v.
func (c Credentials) GoString() string { return redacted }

// LogValue hides the credentials from slog.
func (c Credentials) LogValue() slog.Value { return slog.StringValue(redacted) }
