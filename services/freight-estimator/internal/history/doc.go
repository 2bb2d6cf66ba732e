// Package history keeps each route's recent shipment history in memory, in a
// form that classifies records into the S, C and F groups without looking at
// records that cannot match.
//
// A route's records are held three times, sorted by volume, by weight and by
// value. The records consistent in volume are one contiguous run of the first
// copy (two binary searches), and likewise for weight and value. A query walks
// the three runs and nothing else:
//
//   - the volume run: every record there is in class 1; weight and value are
//     tested to find in how many classes it falls (1 to 3);
//   - the weight run: records already counted (volume consistent) are
//     skipped; the rest fall in 1 or 2 classes (weight, and perhaps value);
//   - the value run: records consistent in volume or weight were counted;
//     the rest fall in exactly one class.
//
// Each record of the union is counted exactly once with its exact number of
// classes, so the result is the same as scanning every record of the route;
// only the amount of work differs. Records outside the window are skipped by
// their completion time.
//
// The database stays the source of truth. Every write to a route bumps the
// route's sequence number in the same transaction, under the route row's
// lock, and stamps the new records with it; so sequence numbers become
// visible in commit order, and "every record with a sequence above n" is an
// exact increment. An estimate reads the route's current sequence with its
// configuration; when the cached copy is older it loads the increment first,
// so an estimate never misses a committed record.
package history
