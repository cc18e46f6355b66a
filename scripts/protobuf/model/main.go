// Command model prints, as JSON, what the protobuf decoders of scripts/protobuf/gen.mjs are generated from besides
// generated.proto: for every Go type reachable from the kinds of the given group-versions (k8s.io/api v0.37.1, the
// scheme client-go installs), its fields with their protobuf tags (field numbers, wire types, map key/value tags)
// and what encoding/json does with them (name, omitempty/omitzero, inline, pointer or value), and which types
// marshal themselves to JSON (Time, Quantity, IntOrString, ...). It reads the types by reflection, so the model is
// exactly what the apiserver's JSON encoder sees.
//
//	go run . apps/v1 v1 batch/v1 ... > model.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
)

// Type is one Go type as the decoders see it.
type Type struct {
	// Kind: "struct" (a message), "wrapper" (a named slice or map with its own protobuf message, as
	// authentication/v1.ExtraValue), "json" (a type with its own MarshalJSON: Time, Quantity, ...).
	Kind   string  `json:"kind"`
	Proto  string  `json:"proto"`
	Fields []Field `json:"fields,omitempty"`
	Elem   *Ref    `json:"elem,omitempty"`
	// TypeMeta: the struct embeds metav1.TypeMeta (apiVersion and kind, which protobuf carries only in the envelope).
	TypeMeta bool `json:"typeMeta,omitempty"`
}

// Field is one struct field.
type Field struct {
	Go        string `json:"go"`
	JSON      string `json:"json"`
	OmitEmpty bool   `json:"omitempty,omitempty"`
	OmitZero  bool   `json:"omitzero,omitempty"`
	Inline    bool   `json:"inline,omitempty"`
	Protobuf  string `json:"protobuf,omitempty"`
	Key       string `json:"protobufKey,omitempty"`
	Val       string `json:"protobufVal,omitempty"`
	Type      *Ref   `json:"type"`
}

// Ref is a field's type: a basic kind, a pointer, a slice, a map, or a named type of the model.
type Ref struct {
	Basic string `json:"basic,omitempty"` // string bool int32 int64 uint32 uint64 float32 float64 bytes
	Ptr   *Ref   `json:"ptr,omitempty"`
	Slice *Ref   `json:"slice,omitempty"`
	Map   *[2]*Ref `json:"map,omitempty"`
	Named string `json:"named,omitempty"`
}

// Kind is one kind of a served group-version and the Go type behind it.
type Kind struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Type       string `json:"type"`
}

var (
	types      = map[string]*Type{}
	jsonMarshaler = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
	protoMarshaler = reflect.TypeOf((*interface{ Marshal() ([]byte, error) })(nil)).Elem()
)

func typeName(t reflect.Type) string { return t.PkgPath() + "." + t.Name() }

func protoName(t reflect.Type) string { return strings.ReplaceAll(t.PkgPath(), "/", ".") + "." + t.Name() }

func ref(t reflect.Type) *Ref {
	if t.Name() != "" && t.PkgPath() != "" && (t.Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(jsonMarshaler)) {
		name := typeName(t)
		if _, ok := types[name]; !ok {
			types[name] = &Type{Kind: "json", Proto: protoName(t)}
		}
		return &Ref{Named: name}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return &Ref{Ptr: ref(t.Elem())}
	case reflect.Struct:
		visit(t)
		return &Ref{Named: typeName(t)}
	case reflect.Slice, reflect.Map:
		if t.Name() != "" && reflect.PointerTo(t).Implements(protoMarshaler) {
			name := typeName(t)
			if _, ok := types[name]; !ok {
				types[name] = &Type{Kind: "wrapper", Proto: protoName(t)}
				types[name].Elem = unnamed(t)
			}
			return &Ref{Named: name}
		}
		return unnamed(t)
	case reflect.String:
		return &Ref{Basic: "string"}
	case reflect.Bool:
		return &Ref{Basic: "bool"}
	case reflect.Int32, reflect.Int64, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return &Ref{Basic: t.Kind().String()}
	case reflect.Int:
		return &Ref{Basic: "int64"}
	}
	panic(fmt.Sprintf("unsupported type %s (%s)", t, t.Kind()))
}

func unnamed(t reflect.Type) *Ref {
	if t.Kind() == reflect.Slice {
		if t.Elem().Kind() == reflect.Uint8 {
			return &Ref{Basic: "bytes"}
		}
		return &Ref{Slice: ref(t.Elem())}
	}
	return &Ref{Map: &[2]*Ref{ref(t.Key()), ref(t.Elem())}}
}

func visit(t reflect.Type) {
	name := typeName(t)
	if _, ok := types[name]; ok {
		return
	}
	out := &Type{Kind: "struct", Proto: protoName(t)}
	types[name] = out
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		parts := strings.Split(tag, ",")
		field := Field{Go: f.Name, JSON: parts[0], Protobuf: f.Tag.Get("protobuf"), Key: f.Tag.Get("protobuf_key"), Val: f.Tag.Get("protobuf_val")}
		if field.JSON == "" {
			field.JSON = f.Name
			field.Inline = f.Anonymous
		}
		for _, option := range parts[1:] {
			switch option {
			case "omitempty":
				field.OmitEmpty = true
			case "omitzero":
				field.OmitZero = true
			}
		}
		if field.Inline && field.Protobuf == "" {
			// metav1.TypeMeta: apiVersion and kind travel in the protobuf envelope, not in the message.
			if f.Type != reflect.TypeOf(metav1.TypeMeta{}) {
				panic(fmt.Sprintf("%s.%s: inline field without a protobuf tag", name, f.Name))
			}
			out.TypeMeta = true
			continue
		}
		field.Type = ref(f.Type)
		out.Fields = append(out.Fields, field)
	}
}

func main() {
	wanted := map[string]bool{}
	for _, gv := range os.Args[1:] {
		wanted[gv] = true
	}
	var kinds []Kind
	add := func(gvk schema.GroupVersionKind, t reflect.Type) {
		kinds = append(kinds, Kind{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, Type: typeName(t)})
		visit(t)
	}
	for gvk, t := range scheme.Scheme.AllKnownTypes() {
		if !wanted[gvk.GroupVersion().String()] || t.PkgPath() == "k8s.io/apimachinery/pkg/apis/meta/v1" {
			continue // meta/v1's options and events are registered in every group-version; they are no resources
		}
		add(gvk, t)
	}
	// What the server sends in place of an object: an error Status (answers and watch ERROR events).
	add(schema.GroupVersionKind{Version: "v1", Kind: "Status"}, reflect.TypeOf(metav1.Status{}))
	sort.Slice(kinds, func(i, j int) bool {
		if kinds[i].APIVersion != kinds[j].APIVersion {
			return kinds[i].APIVersion < kinds[j].APIVersion
		}
		return kinds[i].Kind < kinds[j].Kind
	})
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", " ")
	if err := encoder.Encode(map[string]any{"kinds": kinds, "types": types}); err != nil {
		panic(err)
	}
}
