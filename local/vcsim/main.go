// Command vcsim runs VMware's vCenter simulator (govmomi/simulator) for the local
// stack and tests, and offers a few govmomi-based tools that read or change it
// independently of the project's TypeScript vSphere client.
//
// Subcommands:
//
//	serve     -l 127.0.0.1:0 -dc 1 -host 20 -cluster 4 -cluster-host 3 -vm 500 [-esx] [-tls=true]
//	inventory -u URL -k
//	vm-destroy -u URL -k -vm NAME_OR_MOREF
//	vm-memory  -u URL -k -vm NAME_OR_MOREF -mb N
//	vm-power   -u URL -k -vm NAME_OR_MOREF -state on|off|suspend
//	session-terminate -u URL -k -key SESSION_KEY
//
// vcsim 0.24 ignores RetrievePropertiesEx maxObjects and has no
// ContinueRetrievePropertiesEx; serve wraps it with the pager below so it pages like a
// real vCenter (maxObjects honoured, about 100 objects a page without it, tokens
// bound to the session that got them), which keeps the token-following code path
// exercised locally.
//
// VM count of the VPX model, per datacenter:
//
//	-vm x (-host + -cluster)
//
// because vcsim creates -vm VMs on every standalone host and -vm VMs in the root
// resource pool of every cluster (cluster hosts get none of their own). So
// `-host 20 -cluster 4 -vm 500` serves 500 x 24 = 12,000 VMs, on
// 20 + 4 x cluster-host (default 3) = 32 HostSystems.
// With -esx the model is one standalone ESXi host carrying -vm VMs.
//
// URL given to the tools must carry credentials: https://user:pass@127.0.0.1:PORT/sdk
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("vcsim: ")
	if len(os.Args) < 2 {
		log.Fatal("usage: vcsim serve|inventory|vm-destroy|vm-memory|vm-power|session-terminate [flags]")
	}
	args := os.Args[2:]
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(args)
	case "inventory":
		err = inventory(args)
	case "vm-destroy":
		err = vmDestroy(args)
	case "vm-memory":
		err = vmMemory(args)
	case "vm-power":
		err = vmPower(args)
	case "vm-reregister":
		err = vmReregister(args)
	case "session-terminate":
		err = sessionTerminate(args)
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		log.Fatal(err)
	}
}

// ---------------------------------------------------------------- serve

type serveInfo struct {
	URL              string `json:"url"`
	Username         string `json:"username"`
	Password         string `json:"password"`
	ThumbprintSha256 string `json:"thumbprintSha256"`
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	listen := fs.String("l", "127.0.0.1:0", "listen address")
	dc := fs.Int("dc", 1, "datacenters (VPX model)")
	host := fs.Int("host", 1, "standalone hosts per datacenter, each gets -vm VMs (VPX model)")
	cluster := fs.Int("cluster", 1, "clusters per datacenter, each gets -vm VMs in its root resource pool (VPX model)")
	clusterHost := fs.Int("cluster-host", 3, "hosts per cluster, they carry no VMs of their own (VPX model)")
	vms := fs.Int("vm", 2, "VMs per standalone host and per cluster (or on the single ESX host with -esx)")
	esx := fs.Bool("esx", false, "simulate one standalone ESXi host instead of a vCenter")
	useTLS := fs.Bool("tls", true, "serve https with a self-signed certificate")
	username := fs.String("username", "vcsim-user", "the only user name accepted by Login")
	password := fs.String("password", "", "the only password accepted by Login (random when empty)")
	defaultPage := fs.Int("default-page-size", 100, "objects per RetrievePropertiesEx page when the request sets no maxObjects (0: no limit)")
	watchStdin := fs.Bool("exit-on-stdin-eof", false, "exit when stdin closes, so a dying parent never leaves the simulator behind")
	_ = fs.Parse(args)

	if *password == "" {
		*password = randomPassword()
	}

	model := simulator.VPX()
	if *esx {
		model = simulator.ESX()
	} else {
		model.Datacenter = *dc
		model.Host = *host
		model.Cluster = *cluster
		model.ClusterHost = *clusterHost
	}
	model.Machine = *vms
	defer model.Remove()
	if err := model.Create(); err != nil {
		return err
	}

	// A non-default Listen.User makes vcsim check the password; with its default
	// login any non-empty user and password would be accepted.
	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*username, *password)}
	if *useTLS {
		model.Service.TLS = new(tls.Config)
	}
	server := model.Service.NewServer()
	defer server.Close()
	// Swapped before the URL is printed, so no request can race with it.
	server.Config.Handler = newPager(server.Config.Handler, *defaultPage)

	info := serveInfo{URL: sdkURL(server.URL), Username: *username, Password: *password}
	if *useTLS {
		info.ThumbprintSha256 = fingerprint(server.Certificate().Raw)
	}
	line, _ := json.Marshal(info)
	fmt.Println(string(line))

	waitForStop(*watchStdin)
	return nil
}

func sdkURL(u *url.URL) string {
	plain := *u
	plain.User = nil
	return plain.String()
}

func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	hexed := strings.ToUpper(hex.EncodeToString(sum[:]))
	pairs := make([]string, 0, len(sum))
	for i := 0; i < len(hexed); i += 2 {
		pairs = append(pairs, hexed[i:i+2])
	}
	return strings.Join(pairs, ":")
}

func randomPassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func waitForStop(watchStdin bool) {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	eof := make(chan struct{})
	if watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, bufio.NewReader(os.Stdin))
			close(eof)
		}()
	}
	select {
	case <-stop:
	case <-eof:
	}
}

// ---------------------------------------------------------------- client tools

type clientFlags struct {
	url      *string
	insecure *bool
}

func addClientFlags(fs *flag.FlagSet) clientFlags {
	return clientFlags{
		url:      fs.String("u", os.Getenv("GOVC_URL"), "SDK URL with credentials, https://user:pass@host:port/sdk"),
		insecure: fs.Bool("k", false, "skip TLS certificate verification"),
	}
}

func connect(ctx context.Context, cf clientFlags) (*govmomi.Client, error) {
	u, err := url.Parse(*cf.url)
	if err != nil {
		return nil, err
	}
	return govmomi.NewClient(ctx, u, *cf.insecure)
}

func withClient(cf clientFlags, run func(context.Context, *govmomi.Client) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := connect(ctx, cf)
	if err != nil {
		return err
	}
	defer func() { _ = c.Logout(ctx) }()
	return run(ctx, c)
}

type vmTruth struct {
	Moref         string `json:"moref"`
	Name          string `json:"name"`
	InstanceUUID  string `json:"instanceUuid"`
	BiosUUID      string `json:"biosUuid"`
	PowerState    string `json:"powerState"`
	NumCPU        int32  `json:"numCPU"`
	MemoryMB      int32  `json:"memoryMB"`
	GuestFullName string `json:"guestFullName"`
	HostMoref     string `json:"hostMoref"`
}

type hostTruth struct {
	Moref         string `json:"moref"`
	Name          string `json:"name"`
	HardwareUUID  string `json:"hardwareUuid"`
	NumCPUThreads int16  `json:"numCpuThreads"`
	MemorySize    int64  `json:"memorySize"`
	ProductName   string `json:"productFullName"`
}

type inventoryTruth struct {
	VMs   []vmTruth   `json:"vms"`
	Hosts []hostTruth `json:"hosts"`
}

func inventory(args []string) error {
	fs := flag.NewFlagSet("inventory", flag.ExitOnError)
	cf := addClientFlags(fs)
	_ = fs.Parse(args)
	return withClient(cf, func(ctx context.Context, c *govmomi.Client) error {
		truth, err := readInventory(ctx, c)
		if err != nil {
			return err
		}
		return json.NewEncoder(os.Stdout).Encode(truth)
	})
}

func readInventory(ctx context.Context, c *govmomi.Client) (inventoryTruth, error) {
	truth := inventoryTruth{VMs: []vmTruth{}, Hosts: []hostTruth{}}
	m := view.NewManager(c.Client)
	v, err := m.CreateContainerView(ctx, c.ServiceContent.RootFolder, nil, true)
	if err != nil {
		return truth, err
	}
	defer func() { _ = v.Destroy(ctx) }()

	var vms []mo.VirtualMachine
	if err := v.Retrieve(ctx, []string{"VirtualMachine"}, []string{"name", "config", "runtime", "summary"}, &vms); err != nil {
		return truth, err
	}
	for _, vm := range vms {
		truth.VMs = append(truth.VMs, toVMTruth(vm))
	}

	var hosts []mo.HostSystem
	if err := v.Retrieve(ctx, []string{"HostSystem"}, []string{"name", "hardware", "config.product"}, &hosts); err != nil {
		return truth, err
	}
	for _, h := range hosts {
		truth.Hosts = append(truth.Hosts, toHostTruth(h))
	}
	return truth, nil
}

func toVMTruth(vm mo.VirtualMachine) vmTruth {
	t := vmTruth{Moref: vm.Self.Value, Name: vm.Name, PowerState: string(vm.Runtime.PowerState)}
	if vm.Config != nil {
		t.InstanceUUID = vm.Config.InstanceUuid
		t.BiosUUID = vm.Config.Uuid
		t.NumCPU = vm.Config.Hardware.NumCPU
		t.MemoryMB = vm.Config.Hardware.MemoryMB
		t.GuestFullName = vm.Config.GuestFullName
	}
	if vm.Runtime.Host != nil {
		t.HostMoref = vm.Runtime.Host.Value
	}
	return t
}

func toHostTruth(h mo.HostSystem) hostTruth {
	t := hostTruth{Moref: h.Self.Value, Name: h.Name}
	if h.Hardware != nil {
		t.HardwareUUID = h.Hardware.SystemInfo.Uuid
		t.NumCPUThreads = h.Hardware.CpuInfo.NumCpuThreads
		t.MemorySize = h.Hardware.MemorySize
	}
	if h.Config != nil {
		t.ProductName = h.Config.Product.FullName
	}
	return t
}

// ---------------------------------------------------------------- VM mutations

var morefPattern = regexp.MustCompile(`^vm-\d+$`)

// findVM accepts a moref value (vm-42) or an inventory name.
func findVM(ctx context.Context, c *govmomi.Client, nameOrMoref string) (*object.VirtualMachine, error) {
	if morefPattern.MatchString(nameOrMoref) {
		ref := types.ManagedObjectReference{Type: "VirtualMachine", Value: nameOrMoref}
		return object.NewVirtualMachine(c.Client, ref), nil
	}
	m := view.NewManager(c.Client)
	v, err := m.CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		return nil, err
	}
	defer func() { _ = v.Destroy(ctx) }()
	refs, err := v.Find(ctx, []string{"VirtualMachine"}, property.Filter{"name": nameOrMoref})
	if err != nil {
		return nil, err
	}
	if len(refs) == 0 {
		return nil, fmt.Errorf("no VM named %q", nameOrMoref)
	}
	return object.NewVirtualMachine(c.Client, refs[0]), nil
}

func vmCommand(name string, args []string, extra func(*flag.FlagSet), run func(context.Context, *object.VirtualMachine) error) error {
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	cf := addClientFlags(fs)
	target := fs.String("vm", "", "VM name or moref (vm-42)")
	if extra != nil {
		extra(fs)
	}
	_ = fs.Parse(args)
	if *target == "" {
		return errors.New("-vm is required")
	}
	return withClient(cf, func(ctx context.Context, c *govmomi.Client) error {
		vm, err := findVM(ctx, c, *target)
		if err != nil {
			return err
		}
		if err := run(ctx, vm); err != nil {
			return err
		}
		fmt.Println(vm.Reference().Value)
		return nil
	})
}

func waitTask(ctx context.Context, task *object.Task, err error) error {
	if err != nil {
		return err
	}
	return task.Wait(ctx)
}

func powerState(ctx context.Context, vm *object.VirtualMachine) (types.VirtualMachinePowerState, error) {
	return vm.PowerState(ctx)
}

// vmReregister unregisters a VM and registers its vmx again: vCenter hands out
// a new moref, while the instance UUID (derived from the vmx path in vcsim,
// kept in the vmx on a real vCenter) stays. Prints {"moref": "<new moref>"}.
func vmReregister(args []string) error {
	return vmCommand("vm-reregister", args, nil, func(ctx context.Context, vm *object.VirtualMachine) error {
		var props mo.VirtualMachine
		if err := vm.Properties(ctx, vm.Reference(), []string{"name", "parent", "config.files.vmPathName", "resourcePool", "runtime.host"}, &props); err != nil {
			return err
		}
		if props.Parent == nil || props.ResourcePool == nil || props.Config == nil {
			return errors.New("the VM has no folder, resource pool or config to register it again")
		}
		if state, err := powerState(ctx, vm); err != nil {
			return err
		} else if state == types.VirtualMachinePowerStatePoweredOn {
			task, err := vm.PowerOff(ctx)
			if err := waitTask(ctx, task, err); err != nil {
				return err
			}
		}
		if err := vm.Unregister(ctx); err != nil {
			return err
		}
		var host *object.HostSystem
		if props.Runtime.Host != nil {
			host = object.NewHostSystem(vm.Client(), *props.Runtime.Host)
		}
		folder := object.NewFolder(vm.Client(), *props.Parent)
		pool := object.NewResourcePool(vm.Client(), *props.ResourcePool)
		task, err := folder.RegisterVM(ctx, props.Config.Files.VmPathName, props.Name, false, pool, host)
		if err != nil {
			return err
		}
		info, err := task.WaitForResult(ctx, nil)
		if err != nil {
			return err
		}
		ref, ok := info.Result.(types.ManagedObjectReference)
		if !ok {
			return fmt.Errorf("RegisterVM returned %T, not a VM reference", info.Result)
		}
		return json.NewEncoder(os.Stdout).Encode(map[string]string{"moref": ref.Value})
	})
}

func vmDestroy(args []string) error {
	return vmCommand("vm-destroy", args, nil, func(ctx context.Context, vm *object.VirtualMachine) error {
		// A real vCenter refuses to destroy a powered-on VM; do what an operator would.
		state, err := powerState(ctx, vm)
		if err != nil {
			return err
		}
		if state == types.VirtualMachinePowerStatePoweredOn {
			task, err := vm.PowerOff(ctx)
			if err := waitTask(ctx, task, err); err != nil {
				return err
			}
		}
		task, err := vm.Destroy(ctx)
		return waitTask(ctx, task, err)
	})
}

func vmMemory(args []string) error {
	var mb *int
	return vmCommand("vm-memory", args, func(fs *flag.FlagSet) {
		mb = fs.Int("mb", 0, "new memory size in MB")
	}, func(ctx context.Context, vm *object.VirtualMachine) error {
		if *mb <= 0 {
			return errors.New("-mb must be positive")
		}
		task, err := vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{MemoryMB: int64(*mb)})
		return waitTask(ctx, task, err)
	})
}

func vmPower(args []string) error {
	var state *string
	return vmCommand("vm-power", args, func(fs *flag.FlagSet) {
		state = fs.String("state", "", "on, off or suspend")
	}, func(ctx context.Context, vm *object.VirtualMachine) error {
		var task *object.Task
		var err error
		switch *state {
		case "on":
			task, err = vm.PowerOn(ctx)
		case "off":
			task, err = vm.PowerOff(ctx)
		case "suspend":
			task, err = vm.Suspend(ctx)
		default:
			return fmt.Errorf("-state must be on, off or suspend, not %q", *state)
		}
		return waitTask(ctx, task, err)
	})
}

// sessionTerminate ends another client's session, as an administrator (or an idle
// timeout) would; tests use it to check that the TypeScript client logs in again.
func sessionTerminate(args []string) error {
	fs := flag.NewFlagSet("session-terminate", flag.ExitOnError)
	cf := addClientFlags(fs)
	key := fs.String("key", "", "UserSession key to terminate")
	_ = fs.Parse(args)
	return withClient(cf, func(ctx context.Context, c *govmomi.Client) error {
		return c.SessionManager.TerminateSession(ctx, []string{*key})
	})
}

// ---------------------------------------------------------------- vCenter-like paging

// pager splits RetrievePropertiesEx results into pages and answers
// ContinueRetrievePropertiesEx / CancelRetrievePropertiesEx itself. It works on the
// XML text: vcsim's response is re-cut at the <objects> elements of <returnval>.
type pager struct {
	inner       http.Handler
	defaultPage int
	mu          sync.Mutex
	pending     map[string]pendingPages
}

type pendingPages struct {
	session  string
	pageSize int
	objects  [][]byte
}

var (
	retrieveExPattern = regexp.MustCompile(`<(\w+:)?RetrievePropertiesEx[\s>]`)
	continuePattern   = regexp.MustCompile(`<(\w+:)?ContinueRetrievePropertiesEx[\s>]`)
	cancelPattern     = regexp.MustCompile(`<(\w+:)?CancelRetrievePropertiesEx[\s>]`)
	maxObjectsPattern = regexp.MustCompile(`<(\w+:)?maxObjects>\s*(\d+)\s*<`)
	tokenPattern      = regexp.MustCompile(`<(\w+:)?token>([^<]*)<`)
)

func newPager(inner http.Handler, defaultPage int) http.Handler {
	return &pager{inner: inner, defaultPage: defaultPage, pending: map[string]pendingPages{}}
}

func (p *pager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		p.inner.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	switch {
	case continuePattern.Match(body):
		p.continueRetrieve(w, r, body)
	case cancelPattern.Match(body):
		p.cancelRetrieve(w, r, body)
	case retrieveExPattern.Match(body):
		p.firstPage(w, r, body)
	default:
		p.inner.ServeHTTP(w, r)
	}
}

func sessionOf(r *http.Request) string {
	if c, err := r.Cookie("vmware_soap_session"); err == nil {
		return c.Value
	}
	return ""
}

func (p *pager) pageSize(body []byte) int {
	if m := maxObjectsPattern.FindSubmatch(body); m != nil {
		if n, err := strconv.Atoi(string(m[2])); err == nil && n > 0 {
			return n
		}
	}
	return p.defaultPage
}

func (p *pager) firstPage(w http.ResponseWriter, r *http.Request, body []byte) {
	rec := httptest.NewRecorder()
	p.inner.ServeHTTP(rec, r)
	size := p.pageSize(body)
	res := rec.Body.Bytes()
	prefix, objects, suffix, ok := splitObjects(res)
	if rec.Code != http.StatusOK || !ok || size <= 0 || len(objects) <= size {
		copyRecorded(w, rec, res)
		return
	}
	token := p.store(sessionOf(r), size, objects[size:])
	page := assemblePage(prefix, token, objects[:size], suffix)
	copyRecorded(w, rec, page)
}

func (p *pager) continueRetrieve(w http.ResponseWriter, r *http.Request, body []byte) {
	token := ""
	if m := tokenPattern.FindSubmatch(body); m != nil {
		token = string(m[2])
	}
	pending, ok := p.take(sessionOf(r), token)
	if !ok {
		writeFault(w, "InvalidArgument", "invalid or expired token")
		return
	}
	// Continuation pages keep the maxObjects of the request that created the token.
	objects, size, next := pending.objects, pending.pageSize, ""
	if size > 0 && len(objects) > size {
		next = p.store(sessionOf(r), size, objects[size:])
		objects = objects[:size]
	}
	prefix := []byte(envelopeStart + `<ContinueRetrievePropertiesExResponse xmlns="urn:vim25"><returnval>`)
	suffix := []byte(`</returnval></ContinueRetrievePropertiesExResponse>` + envelopeEnd)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = w.Write(assemblePage(prefix, next, objects, suffix))
}

func (p *pager) cancelRetrieve(w http.ResponseWriter, r *http.Request, body []byte) {
	if m := tokenPattern.FindSubmatch(body); m != nil {
		p.take(sessionOf(r), string(m[2]))
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = w.Write([]byte(envelopeStart + `<CancelRetrievePropertiesExResponse xmlns="urn:vim25"></CancelRetrievePropertiesExResponse>` + envelopeEnd))
}

func (p *pager) store(session string, pageSize int, objects [][]byte) string {
	token := randomPassword()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending[token] = pendingPages{session: session, pageSize: pageSize, objects: objects}
	return token
}

// take hands out the remaining objects of a token once; tokens belong to the
// session that created them, as on vCenter.
func (p *pager) take(session, token string) (pendingPages, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pending, ok := p.pending[token]
	if !ok || pending.session != session {
		return pendingPages{}, false
	}
	delete(p.pending, token)
	return pending, true
}

const (
	envelopeStart = `<?xml version="1.0" encoding="UTF-8"?>` +
		`<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>`
	envelopeEnd = `</soapenv:Body></soapenv:Envelope>`
)

func writeFault(w http.ResponseWriter, faultType, message string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = fmt.Fprintf(w, `%s<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>%s</faultstring><detail><%sFault xmlns="urn:vim25" xsi:type="%s"></%sFault></detail></soapenv:Fault>%s`,
		envelopeStart, message, faultType, faultType, faultType, envelopeEnd)
}

func copyRecorded(w http.ResponseWriter, rec *httptest.ResponseRecorder, body []byte) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

// assemblePage puts the token first, as RetrieveResult's schema orders it.
func assemblePage(prefix []byte, token string, objects [][]byte, suffix []byte) []byte {
	var b bytes.Buffer
	b.Write(prefix)
	if token != "" {
		b.WriteString("<token>" + token + "</token>")
	}
	for _, o := range objects {
		b.Write(o)
	}
	b.Write(suffix)
	return b.Bytes()
}

// splitObjects finds the <objects> children of Envelope/Body/*Response/returnval
// and returns the text before the first, each element, and the text after the last.
func splitObjects(doc []byte) (prefix []byte, objects [][]byte, suffix []byte, ok bool) {
	const objectsDepth = 5
	dec := xml.NewDecoder(bytes.NewReader(doc))
	depth := 0
	start, first, last := int64(0), int64(-1), int64(-1)
	for {
		offset := dec.InputOffset()
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, nil, false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == objectsDepth && t.Name.Local == "objects" {
				start = offset
				if first < 0 {
					first = offset
				}
			}
		case xml.EndElement:
			if depth == objectsDepth && t.Name.Local == "objects" {
				end := dec.InputOffset()
				objects = append(objects, doc[start:end])
				last = end
			}
			depth--
		}
	}
	if first < 0 {
		return nil, nil, nil, false
	}
	return doc[:first], objects, doc[last:], true
}
