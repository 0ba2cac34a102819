// Command tlogcheck independently verifies a C2SP transparency log: a
// c2sp.org/tlog-checkpoint signed as a c2sp.org/signed-note, and the Merkle
// tree served as c2sp.org/tlog-tiles. It uses only the standard library and
// golang.org/x/mod/sumdb/{note,tlog}.
//
// Usage:
//
//	tlogcheck checkpoint  --vkey VKEY [--origin O] FILE
//	tlogcheck inclusion   --vkey VKEY [--origin O] --tiles URL|DIR [--checkpoint FILE]
//	                      --index N (--record FILE | --leaf-hash HEX)
//	tlogcheck consistency --vkey VKEY [--origin O] --tiles URL|DIR [--checkpoint FILE] --old FILE
//	tlogcheck proof       --vkey VKEY [--origin O] --bundle FILE
//
// VKEY is a signed-note verifier key, <name>+<hash hex 8>+<base64(0x01||pubkey)>.
// --origin defaults to the key name. --checkpoint verifies against that
// checkpoint instead of <tiles>/checkpoint. tlogcheck exits 0 on success and 1
// with a one-line message on stderr on any failure.
//
// proof checks offline, with no tiles, a proof file as written by
// `baton audit prove`: JSON {"bundles": [...], "chain": "..."} ("chain" may be
// absent; it is not checked, as that needs the ledger's record format). Each
// bundle is {"entry_bytes", "index", "inclusion_proof", "checkpoint_note",
// "envelope", "body_or_ct"}: entry_bytes (the record) and checkpoint_note (the
// whole signed note) are unpadded base64url (RFC 4648 §5); inclusion_proof is
// the RFC 6962 audit path as padded standard base64 hashes, leaf side first;
// index is the leaf index; envelope and body_or_ct are null and ignored. Every
// bundle must verify: its note signed by VKEY with the expected origin, and
// RecordHash(entry_bytes) included at index in the note's tree. On success it
// prints "proof ok: N entries, index=I1,I2,... size=S" (if the bundles'
// checkpoints differ in size, S is a list, one per bundle). A file with no
// bundles fails.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// tileHeight is fixed by C2SP tlog-tiles: 2^8 = 256 hashes per full tile.
const tileHeight = 8

// ledgerProof is the proof file that `baton audit prove` writes (Swift
// LedgerProof). The JSON field names live only here and in proofBundle.
type ledgerProof struct {
	Chain   *string       `json:"chain"` // optional, not checked
	Bundles []proofBundle `json:"bundles"`
}

// proofBundle is one tlog proof bundle (Swift ProofBundle). Pointers tell a
// missing member from a zero one; envelope and body_or_ct are always null for
// ledger entries and are not read.
type proofBundle struct {
	EntryBytes     *string  `json:"entry_bytes"`     // unpadded base64url record
	Index          *int64   `json:"index"`           // leaf index
	InclusionProof []string `json:"inclusion_proof"` // padded base64 hashes, leaf side first
	CheckpointNote *string  `json:"checkpoint_note"` // unpadded base64url signed note
}

// commands maps subcommand names to their implementations.
var commands = map[string]func(args []string) error{
	"checkpoint":  cmdCheckpoint,
	"inclusion":   cmdInclusion,
	"consistency": cmdConsistency,
	"proof":       cmdProof,
}

func main() {
	if len(os.Args) < 2 || commands[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: tlogcheck checkpoint|inclusion|consistency|proof --vkey VKEY ... (see the source header)")
		os.Exit(1)
	}
	if err := commands[os.Args[1]](os.Args[2:]); err != nil {
		msg := strings.Join(strings.Fields(err.Error()), " ") // keep it on one line
		fmt.Fprintf(os.Stderr, "tlogcheck %s: %s\n", os.Args[1], msg)
		os.Exit(1)
	}
}

// checkpoint is a parsed C2SP tlog-checkpoint body.
type checkpoint struct {
	Origin     string
	Tree       tlog.Tree // size N and RFC 6962 root hash
	Extensions []string
}

// parseCheckpoint parses the note text: origin, decimal size (no leading
// zeros), base64 root hash, then optional non-empty extension lines.
// (tlog.ParseTree only understands the sumdb "go.sum database tree" format.)
func parseCheckpoint(text string) (checkpoint, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if !strings.HasSuffix(text, "\n") || len(lines) < 3 {
		return checkpoint{}, errors.New("malformed checkpoint: want 3 or more newline-terminated lines")
	}
	for _, l := range lines {
		if l == "" {
			return checkpoint{}, errors.New("malformed checkpoint: empty line")
		}
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != lines[1] {
		return checkpoint{}, fmt.Errorf("malformed checkpoint size %q", lines[1])
	}
	h, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(h) != tlog.HashSize {
		return checkpoint{}, fmt.Errorf("malformed checkpoint root hash %q", lines[2])
	}
	cp := checkpoint{Origin: lines[0], Tree: tlog.Tree{N: n}, Extensions: lines[3:]}
	copy(cp.Tree.Hash[:], h)
	return cp, nil
}

// tileReader implements tlog.TileReader over a C2SP tlog-tiles prefix,
// either an http(s) URL or a local directory.
type tileReader struct{ prefix string }

func (r tileReader) Height() int { return tileHeight }

// SaveTiles is a no-op: we keep no cache, so nothing needs persisting.
func (r tileReader) SaveTiles([]tlog.Tile, [][]byte) {}

// ReadTiles returns exactly one []byte of t.W*32 bytes per requested tile, in
// order; tlog.TileHashReader then authenticates them against the tree hash.
func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	data := make([][]byte, len(tiles))
	for i, t := range tiles {
		b, err := r.get(tilePath(t))
		if errors.Is(err, fs.ErrNotExist) && t.W < 1<<tileHeight {
			// A log may delete a partial tile once the full tile exists;
			// the full tile's first W hashes are the partial tile.
			full := t
			full.W = 1 << tileHeight
			if fb, ferr := r.get(tilePath(full)); ferr == nil && len(fb) == full.W*tlog.HashSize {
				b, err = fb[:t.W*tlog.HashSize], nil
			}
		}
		if err != nil {
			return nil, fmt.Errorf("missing tile: %v", err)
		}
		if len(b) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("tile %s is %d bytes, want %d", tilePath(t), len(b), t.W*tlog.HashSize)
		}
		data[i] = b
	}
	return data, nil
}

// tilePath returns the C2SP path of a hash tile, tile/<L>/<N>[.p/<W>] with N in
// 3-digit x-prefixed elements. Go's Tile.Path encodes N and .p/<W> the same way
// but in the sumdb layout tile/<H>/<L>/..., so drop its height element.
func tilePath(t tlog.Tile) string {
	return "tile/" + strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", t.H))
}

// get reads prefix/p; a missing file or an HTTP 404 gives an fs.ErrNotExist error.
func (r tileReader) get(p string) ([]byte, error) {
	if !strings.HasPrefix(r.prefix, "http://") && !strings.HasPrefix(r.prefix, "https://") {
		return os.ReadFile(filepath.Join(r.prefix, filepath.FromSlash(p)))
	}
	u := strings.TrimSuffix(r.prefix, "/") + "/" + p
	resp, err := http.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("%s: %w", u, fs.ErrNotExist)
	} else if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", u, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

// logFlags holds the flags shared by the subcommands.
type logFlags struct {
	fs                          *flag.FlagSet
	vkey, origin, tiles, cpFile string
}

func newFlags(name string, withTiles bool) *logFlags {
	f := &logFlags{fs: flag.NewFlagSet(name, flag.ContinueOnError)}
	f.fs.SetOutput(io.Discard) // main reports errors on one line
	f.fs.StringVar(&f.vkey, "vkey", "", "signed-note verifier key")
	f.fs.StringVar(&f.origin, "origin", "", "expected checkpoint origin (default: key name)")
	if withTiles {
		f.fs.StringVar(&f.tiles, "tiles", "", "log prefix: http(s) URL or directory")
		f.fs.StringVar(&f.cpFile, "checkpoint", "", "checkpoint file (default: <tiles>/checkpoint)")
	}
	return f
}

func (f *logFlags) parse(args []string) error {
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	if f.vkey == "" {
		return errors.New("--vkey is required")
	} else if f.fs.Lookup("tiles") != nil && f.tiles == "" {
		return errors.New("--tiles is required")
	}
	return nil
}

// open verifies the signed note msg with --vkey (signatures by other keys are
// ignored, per signed-note), parses it, and checks its origin. It takes
// (msg, err) so that it can wrap a read directly: f.open(os.ReadFile(name)).
func (f *logFlags) open(msg []byte, err error) (checkpoint, error) {
	if err != nil {
		return checkpoint{}, err
	}
	v, err := note.NewVerifier(f.vkey)
	if err != nil {
		return checkpoint{}, fmt.Errorf("bad --vkey: %v", err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return checkpoint{}, fmt.Errorf("checkpoint signature: %v", err)
	}
	want := f.origin
	if want == "" {
		want = v.Name()
	}
	cp, err := parseCheckpoint(n.Text)
	if err == nil && cp.Origin != want {
		err = fmt.Errorf("checkpoint origin %q, want %q", cp.Origin, want)
	}
	return cp, err
}

// latest verifies the --checkpoint file, or else <tiles>/checkpoint.
func (f *logFlags) latest() (checkpoint, tileReader, error) {
	r := tileReader{f.tiles}
	if f.cpFile != "" {
		cp, err := f.open(os.ReadFile(f.cpFile))
		return cp, r, err
	}
	cp, err := f.open(r.get("checkpoint"))
	return cp, r, err
}

// leafHash returns the RFC 6962 leaf hash SHA-256(0x00||record) and/or the
// hex leaf hash; it needs at least one, and if both are given they must agree.
func leafHash(record []byte, haveRecord bool, hexHash string) (tlog.Hash, error) {
	h := tlog.RecordHash(record)
	if hexHash == "" && !haveRecord {
		return h, errors.New("give a record or a leaf hash")
	} else if hexHash == "" {
		return h, nil
	}
	b, err := hex.DecodeString(hexHash)
	if err != nil || len(b) != tlog.HashSize {
		return h, fmt.Errorf("malformed leaf hash %q", hexHash)
	} else if haveRecord && !bytes.Equal(b, h[:]) {
		return h, errors.New("leaf hash does not match record")
	}
	copy(h[:], b)
	return h, nil
}

func cmdCheckpoint(args []string) error {
	f := newFlags("checkpoint", false)
	if err := f.parse(args); err != nil {
		return err
	} else if f.fs.NArg() != 1 {
		return errors.New("want exactly one checkpoint FILE")
	}
	cp, err := f.open(os.ReadFile(f.fs.Arg(0)))
	if err != nil {
		return err
	}
	fmt.Printf("size=%d root=%s\n", cp.Tree.N, base64.StdEncoding.EncodeToString(cp.Tree.Hash[:]))
	return nil
}

func cmdInclusion(args []string) error {
	f := newFlags("inclusion", true)
	index := f.fs.Int64("index", -1, "leaf index")
	record := f.fs.String("record", "", "file holding the record bytes")
	leafHex := f.fs.String("leaf-hash", "", "RFC 6962 leaf hash, hex")
	if err := f.parse(args); err != nil {
		return err
	}
	var data []byte
	if *record != "" {
		var err error
		if data, err = os.ReadFile(*record); err != nil {
			return err
		}
	}
	leaf, err := leafHash(data, *record != "", *leafHex)
	if err != nil {
		return err
	}
	cp, r, err := f.latest()
	if err != nil {
		return err
	} else if *index < 0 || *index >= cp.Tree.N {
		return fmt.Errorf("index %d not in tree of size %d", *index, cp.Tree.N)
	}
	p, err := tlog.ProveRecord(cp.Tree.N, *index, tlog.TileHashReader(cp.Tree, r))
	if err != nil {
		return err
	}
	if err := tlog.CheckRecord(p, cp.Tree.N, cp.Tree.Hash, *index, leaf); err != nil {
		return fmt.Errorf("leaf %d: %v", *index, err)
	}
	fmt.Printf("inclusion ok: index=%d size=%d\n", *index, cp.Tree.N)
	return nil
}

func cmdConsistency(args []string) error {
	f := newFlags("consistency", true)
	oldFile := f.fs.String("old", "", "older checkpoint file")
	if err := f.parse(args); err != nil {
		return err
	}
	old, err := f.open(os.ReadFile(*oldFile))
	if err != nil {
		return fmt.Errorf("--old: %v", err)
	}
	cp, r, err := f.latest()
	if err != nil {
		return err
	}
	switch {
	case old.Tree.N > cp.Tree.N:
		return fmt.Errorf("old size %d > new size %d", old.Tree.N, cp.Tree.N)
	case old.Tree.N == 0: // RFC 6962 empty tree: SHA-256 of the empty string
		if old.Tree.Hash != sha256.Sum256(nil) {
			return errors.New("--old: bad empty-tree root hash")
		}
	default:
		p, err := tlog.ProveTree(cp.Tree.N, old.Tree.N, tlog.TileHashReader(cp.Tree, r))
		if err != nil {
			return err
		}
		if err := tlog.CheckTree(p, cp.Tree.N, cp.Tree.Hash, old.Tree.N, old.Tree.Hash); err != nil {
			return fmt.Errorf("tree %d is not a prefix of tree %d: %v", old.Tree.N, cp.Tree.N, err)
		}
	}
	fmt.Printf("consistency ok: old=%d new=%d\n", old.Tree.N, cp.Tree.N)
	return nil
}

// decodeU64 decodes unpadded base64url (RFC 4648 §5). Padding is an error,
// and so are line breaks, which Go's decoder would otherwise skip.
func decodeU64(what string, s *string) ([]byte, error) {
	if s == nil {
		return nil, fmt.Errorf("missing %s", what)
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(*s)
	if err != nil || strings.ContainsAny(*s, "\r\n") {
		return nil, fmt.Errorf("%s is not unpadded base64url", what)
	}
	return b, nil
}

// checkBundle verifies one bundle and returns its checkpoint.
func (f *logFlags) checkBundle(b proofBundle) (checkpoint, error) {
	if b.Index == nil {
		return checkpoint{}, errors.New("missing index")
	}
	record, err := decodeU64("entry_bytes", b.EntryBytes)
	if err != nil {
		return checkpoint{}, err
	}
	cp, err := f.open(decodeU64("checkpoint_note", b.CheckpointNote))
	if err != nil {
		return checkpoint{}, err
	}
	if *b.Index < 0 || *b.Index >= cp.Tree.N {
		return cp, fmt.Errorf("index %d not in tree of size %d", *b.Index, cp.Tree.N)
	}
	p := make(tlog.RecordProof, len(b.InclusionProof))
	for i, s := range b.InclusionProof {
		h, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil || len(h) != tlog.HashSize || strings.ContainsAny(s, "\r\n") {
			return cp, fmt.Errorf("inclusion_proof[%d] is not a base64 %d-byte hash", i, tlog.HashSize)
		}
		copy(p[i][:], h)
	}
	if err := tlog.CheckRecord(p, cp.Tree.N, cp.Tree.Hash, *b.Index, tlog.RecordHash(record)); err != nil {
		return cp, fmt.Errorf("entry_bytes not included at index %d in tree of size %d: %v", *b.Index, cp.Tree.N, err)
	}
	return cp, nil
}

func cmdProof(args []string) error {
	f := newFlags("proof", false)
	file := f.fs.String("bundle", "", "proof file written by baton audit prove")
	if err := f.parse(args); err != nil {
		return err
	} else if *file == "" {
		return errors.New("--bundle is required")
	} else if f.fs.NArg() != 0 {
		return fmt.Errorf("unexpected argument %q", f.fs.Arg(0))
	}
	raw, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	var lp ledgerProof
	if err := json.Unmarshal(raw, &lp); err != nil {
		return fmt.Errorf("proof file: %v", err)
	} else if len(lp.Bundles) == 0 {
		return errors.New("proof file holds no bundles")
	}
	var indexes, sizes []string
	sameSize := true
	for i, b := range lp.Bundles {
		cp, err := f.checkBundle(b)
		if err != nil {
			return fmt.Errorf("bundle %d: %v", i, err)
		}
		indexes = append(indexes, strconv.FormatInt(*b.Index, 10))
		sizes = append(sizes, strconv.FormatInt(cp.Tree.N, 10))
		sameSize = sameSize && sizes[i] == sizes[0]
	}
	if sameSize {
		sizes = sizes[:1]
	}
	fmt.Printf("proof ok: %d entries, index=%s size=%s\n", len(lp.Bundles),
		strings.Join(indexes, ","), strings.Join(sizes, ","))
	return nil
}
