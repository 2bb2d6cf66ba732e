package config

import (
	"encoding"
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"strings"
	"time"
)

const (
	// secretMask replaces a secret that has no safe part to show.
	secretMask = "***"
	// passwordMask replaces the password inside a URL; it matches what
	// url.URL.Redacted prints, which operators already recognise.
	passwordMask = "xxxxx"
)

// sensitiveQueryKeys are URL query parameters that carry credentials, as in
// postgres://host/db?password=... or an API token in a webhook URL.
var sensitiveQueryKeys = []string{"password", "passwd", "secret", "token", "key"}

// Redacted returns every variable of cfg (a struct or a pointer to one) with
// its effective value, secrets masked, keyed by variable name.
func Redacted(cfg any) map[string]string {
	out := map[string]string{}
	for _, a := range Attrs(cfg) {
		out[a.Key] = a.Value.String()
	}
	return out
}

// Attrs lists every variable of cfg in declaration order with secrets masked,
// for the single log line a service writes at start-up:
//
//	log.Info("configuration", "config", config.LogValue(cfg))
func Attrs(cfg any) []slog.Attr {
	rv, err := structValue(cfg)
	if err != nil {
		return nil
	}
	var fs fields
	fs.collect(rv, "")
	attrs := make([]slog.Attr, 0, len(fs.vars))
	for _, f := range fs.vars {
		attrs = append(attrs, slog.String(f.name, mask(format(f.value), f.secret)))
	}
	return attrs
}

// Log writes cfg's whole configuration, secrets masked, as one info line:
// the one call a main makes to say what it runs with.
func Log(log *slog.Logger, cfg any) {
	log.Info("configuration", "config", LogValue(cfg))
}

// LogValue groups Attrs into one slog value.
func LogValue(cfg any) slog.Value {
	return slog.GroupValue(Attrs(cfg)...)
}

// format prints a field value the way it would be written in the environment.
func format(v reflect.Value) string {
	if v.CanAddr() {
		if m, ok := v.Addr().Interface().(encoding.TextMarshaler); ok {
			if b, err := m.MarshalText(); err == nil {
				return string(b)
			}
		}
	}
	if m, ok := v.Interface().(encoding.TextMarshaler); ok {
		if b, err := m.MarshalText(); err == nil {
			return string(b)
		}
	}
	if v.Type() == durationType {
		return time.Duration(v.Int()).String()
	}
	if v.Kind() == reflect.Slice {
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = format(v.Index(i))
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v.Interface())
}

// mask hides credentials. Any URL loses its password and credential query
// parameters, secret or not, since NATS_URL and friends may embed them. A
// secret URL without user info may hide its secret anywhere (a token in the
// path), so it is masked whole, as is any other non-empty secret.
func mask(value string, secret bool) string {
	if value == "" {
		return ""
	}
	u, err := url.Parse(value)
	if err != nil || u.Scheme == "" || u.Host == "" {
		if secret {
			return secretMask
		}
		return value
	}
	if secret && u.User == nil {
		return secretMask
	}
	changed := false
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), passwordMask)
			changed = true
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if isSensitiveKey(k) {
				q.Set(k, passwordMask)
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	if !changed {
		return value
	}
	return u.String()
}

func isSensitiveKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range sensitiveQueryKeys {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}
