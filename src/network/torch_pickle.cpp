#include "network/torch_pickle.hpp"

#include "relutope/error.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <unordered_map>

namespace relutope::internal {
namespace {

// A value the pickle builds. Values live in one arena and refer to each other by index, so that
// memo references cost nothing and no pickle can build an ownership cycle.
struct Value {
  enum class Kind {
    none, boolean, integer, string, tuple, dict, ordered_dict, rebuild_tensor, rebuild_parameter, storage_type, storage, tensor
  };
  Value(Kind k) : kind(k) {}  // a value of that kind, empty
  Kind kind;
  long integer = 0;           // boolean, integer; storage: its element count
  std::string text;           // string; storage: its key (the member data/<key>)
  DType dtype = float32;      // storage_type, storage
  std::vector<size_t> items;  // tuple: elements; dict: key, value, key, value...; tensor: its storage
  long offset = 0;            // tensor
  std::vector<long> shape, strides;
};

// The storage classes torch pickles in a persistent id, with their element types.
const std::map<std::string, DType>& storage_types() {
  static const std::map<std::string, DType> types = {
      {"torch.FloatStorage", float32}, {"torch.DoubleStorage", float64}, {"torch.HalfStorage", float16},
      {"torch.BFloat16Storage", bfloat16}, {"torch.LongStorage", int64}, {"torch.IntStorage", int32},
      {"torch.ShortStorage", int16}, {"torch.CharStorage", int8}, {"torch.ByteStorage", uint8},
      {"torch.BoolStorage", boolean}};
  return types;
}

class Unpickler {
public:
  Unpickler(std::string_view bytes, std::string source) : in_(bytes), source_(std::move(source)) {}

  // Runs the pickle to its STOP; returns the index of the value it builds.
  size_t run();
  const Value& operator[](size_t i) const { return values_[i]; }
  [[noreturn]] void fail(const std::string& fault) const { throw InputError(source_, fault); }

private:
  std::string_view in_;
  size_t pos_ = 0;
  std::string source_;
  std::vector<Value> values_;
  std::vector<size_t> stack_, marks_;
  std::unordered_map<std::uint32_t, size_t> memo_;

  std::string_view take(size_t n) {
    if (in_.size() - pos_ < n) fail("truncated pickle");
    const std::string_view bytes = in_.substr(pos_, n);
    pos_ += n;
    return bytes;
  }
  // A little-endian unsigned integer of n bytes (n <= 4).
  std::uint32_t unsigned_of(size_t n) {
    std::uint32_t value = 0;
    const std::string_view bytes = take(n);
    for (size_t i = 0; i < n; ++i) value |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
    return value;
  }
  std::string line() {
    const size_t end = in_.find('\n', pos_);
    if (end == std::string_view::npos) fail("truncated pickle");
    std::string text(in_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return text;
  }
  size_t push(Value value) {
    values_.push_back(std::move(value));
    stack_.push_back(values_.size() - 1);
    return stack_.back();
  }
  size_t pop() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) fail("malformed pickle: pops an empty stack");
    const size_t top = stack_.back();
    stack_.pop_back();
    return top;
  }
  std::vector<size_t> pop_to_mark() {
    if (marks_.empty()) fail("malformed pickle: no MARK");
    std::vector<size_t> items(stack_.begin() + static_cast<long>(marks_.back()), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  Value& top() {
    if (stack_.empty()) fail("malformed pickle: empty stack");
    return values_[stack_.back()];
  }
  Value& dict_on_top() {
    Value& dict = top();
    if (dict.kind != Value::Kind::dict) fail("malformed pickle: sets an item of something not a dict");
    return dict;
  }

  Value global(const std::string& module, const std::string& name);
  Value storage(size_t pid);
  Value call(size_t callable, size_t args);
  long integer(size_t i, const char* what) {
    if (values_[i].kind != Value::Kind::integer) fail(std::string("malformed tensor: ") + what + " is not an integer");
    return values_[i].integer;
  }
  std::vector<long> integers(size_t i, const char* what) {
    if (values_[i].kind != Value::Kind::tuple) fail(std::string("malformed tensor: ") + what + " is not a tuple");
    std::vector<long> out;
    for (size_t item : values_[i].items) out.push_back(integer(item, what));
    return out;
  }
};

Value Unpickler::global(const std::string& module, const std::string& name) {
  const std::string full = module + "." + name;
  if (full == "collections.OrderedDict") return {Value::Kind::ordered_dict};
  if (full == "torch._utils._rebuild_tensor_v2") return {Value::Kind::rebuild_tensor};
  if (full == "torch._utils._rebuild_parameter") return {Value::Kind::rebuild_parameter};  // a dict of nn.Parameter
  const auto type = storage_types().find(full);
  if (type != storage_types().end()) {
    Value value{Value::Kind::storage_type};
    value.dtype = type->second;
    return value;
  }
  fail("refuses to load global '" + full +
       "': relutope reads a state_dict, whose pickle names only tensors and OrderedDict, and runs nothing from "
       "the file (a whole pickled module? save model.state_dict() instead: torch.save(model.state_dict(), path))");
}

// A persistent id ('storage', <storage type>, key, location, element count), as torch.save
// writes one for each storage.
Value Unpickler::storage(size_t pid) {
  const Value& id = values_[pid];
  if (id.kind != Value::Kind::tuple || id.items.size() != 5 || values_[id.items[0]].text != "storage" ||
      values_[id.items[1]].kind != Value::Kind::storage_type || values_[id.items[2]].kind != Value::Kind::string ||
      values_[id.items[4]].kind != Value::Kind::integer)
    fail("malformed persistent id: expected ('storage', storage type, key, location, size)");
  Value value{Value::Kind::storage};
  value.dtype = values_[id.items[1]].dtype;
  value.text = values_[id.items[2]].text;
  value.integer = values_[id.items[4]].integer;
  return value;
}

Value Unpickler::call(size_t callable, size_t args_index) {
  const Value::Kind kind = values_[callable].kind;
  const Value& args = values_[args_index];
  if (args.kind != Value::Kind::tuple) fail("malformed pickle: REDUCE without an argument tuple");
  if (kind == Value::Kind::ordered_dict) {
    if (!args.items.empty()) fail("malformed pickle: OrderedDict called with arguments");
    return {Value::Kind::dict};
  }
  if (kind == Value::Kind::rebuild_parameter) {  // _rebuild_parameter(tensor, requires_grad, backward_hooks)
    const std::vector<size_t>& a = args.items;
    if (a.size() != 3 || values_[a[0]].kind != Value::Kind::tensor || values_[a[1]].kind != Value::Kind::boolean ||
        values_[a[2]].kind != Value::Kind::dict)
      fail("malformed parameter: expected _rebuild_parameter(tensor, requires_grad, hooks)");
    if (!values_[a[2]].items.empty()) fail("a parameter with backward hooks (they would run code)");
    return values_[a[0]];
  }
  if (kind != Value::Kind::rebuild_tensor) fail("malformed pickle: calls something that is not callable");
  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  const std::vector<size_t>& a = args.items;
  if (a.size() < 6 || a.size() > 7 || values_[a[0]].kind != Value::Kind::storage ||
      values_[a[4]].kind != Value::Kind::boolean || values_[a[5]].kind != Value::Kind::dict ||
      (a.size() == 7 && !values_[a[6]].items.empty()))
    fail("malformed tensor: expected _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)");
  if (!values_[a[5]].items.empty()) fail("a tensor with backward hooks (they would run code)");
  Value tensor{Value::Kind::tensor};
  tensor.items = {a[0]};
  tensor.offset = integer(a[1], "storage offset");
  tensor.shape = integers(a[2], "size");
  tensor.strides = integers(a[3], "stride");
  return tensor;
}

size_t Unpickler::run() {
  using Kind = Value::Kind;
  for (;;) {
    const unsigned char op = static_cast<unsigned char>(take(1)[0]);
    switch (op) {
      case 0x80: take(1); break;  // PROTO
      case 'c': {                 // GLOBAL
        const std::string module = line();
        push(global(module, line()));
        break;
      }
      case 'q': case 'r': {  // BINPUT, LONG_BINPUT
        const std::uint32_t index = unsigned_of(op == 'q' ? 1 : 4);
        if (stack_.empty()) fail("malformed pickle: puts from an empty stack");
        memo_[index] = stack_.back();
        break;
      }
      case 'h': case 'j': {  // BINGET, LONG_BINGET
        const auto it = memo_.find(unsigned_of(op == 'h' ? 1 : 4));
        if (it == memo_.end()) fail("malformed pickle: gets a value it never put");
        stack_.push_back(it->second);
        break;
      }
      case '(': marks_.push_back(stack_.size()); break;  // MARK
      case ')': push({Kind::tuple}); break;               // EMPTY_TUPLE
      case '}': push({Kind::dict}); break;                // EMPTY_DICT
      case 't': {                                         // TUPLE
        Value tuple{Kind::tuple};
        tuple.items = pop_to_mark();
        push(std::move(tuple));
        break;
      }
      case 0x85: case 0x86: case 0x87: {  // TUPLE1, TUPLE2, TUPLE3
        Value tuple{Kind::tuple};
        tuple.items.resize(op - 0x84u);
        for (size_t i = tuple.items.size(); i-- > 0;) tuple.items[i] = pop();
        push(std::move(tuple));
        break;
      }
      case 's': {  // SETITEM
        const size_t value = pop(), key = pop();
        Value& dict = dict_on_top();
        dict.items.insert(dict.items.end(), {key, value});
        break;
      }
      case 'u': {  // SETITEMS
        const std::vector<size_t> items = pop_to_mark();
        if (items.size() % 2) fail("malformed pickle: SETITEMS with an odd number of items");
        Value& dict = dict_on_top();
        dict.items.insert(dict.items.end(), items.begin(), items.end());
        break;
      }
      case 'X': {  // BINUNICODE
        Value text{Kind::string};
        text.text = std::string(take(unsigned_of(4)));
        push(std::move(text));
        break;
      }
      case 'J': case 'K': case 'M': {  // BININT (signed 4 bytes), BININT1, BININT2 (unsigned)
        Value number{Kind::integer};
        const std::uint32_t raw = unsigned_of(op == 'J' ? 4 : op == 'K' ? 1 : 2);
        number.integer = op == 'J' ? static_cast<std::int32_t>(raw) : static_cast<long>(raw);
        push(std::move(number));
        break;
      }
      case 0x8a: {  // LONG1: n bytes, two's complement, little-endian
        const size_t n = unsigned_of(1);
        if (n > 8) fail("integer of " + std::to_string(n) + " bytes is too large");
        const std::string_view bytes = take(n);
        std::uint64_t raw = 0;
        for (size_t i = 0; i < n; ++i) raw |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
        if (n > 0 && n < 8 && (raw >> (8 * n - 1)) & 1) raw |= ~std::uint64_t{0} << (8 * n);  // sign-extend
        Value number{Kind::integer};
        number.integer = static_cast<long>(raw);
        push(std::move(number));
        break;
      }
      case 0x88: case 0x89: {  // NEWTRUE, NEWFALSE
        Value flag{Kind::boolean};
        flag.integer = op == 0x88;
        push(std::move(flag));
        break;
      }
      case 'N': push({Kind::none}); break;        // NONE
      case 'Q': push(storage(pop())); break;      // BINPERSID
      case 'R': {                                 // REDUCE
        const size_t args = pop(), callable = pop();
        push(call(callable, args));
        break;
      }
      case 'b': {  // BUILD: the state torch.save gives a state_dict (its _metadata: module versions)
        const size_t state = pop();
        if (top().kind != Kind::dict || values_[state].kind != Kind::dict) fail("malformed pickle: BUILD of something not a dict");
        break;
      }
      case '.':  // STOP
        if (stack_.size() != 1 || !marks_.empty()) fail("malformed pickle: STOP with " + std::to_string(stack_.size()) + " values");
        return stack_.back();
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        fail(std::string("unsupported pickle opcode ") + hex + " at byte " + std::to_string(pos_ - 1) +
             " (relutope reads the protocol-2 pickles torch.save writes)");
      }
    }
  }
}

// torch.save's pickle: "<archive>/data.pkl", the archive named after the file (or "data.pkl" at
// the root, as zip tools write when an archive is repacked).
bool is_data_pkl(const std::string& name) {
  const size_t slash = name.find('/');
  return name == "data.pkl" || (slash != std::string::npos && name.compare(slash, std::string::npos, "/data.pkl") == 0);
}

}  // namespace

bool is_torch_archive(const std::vector<ZipMember>& members) {
  return std::any_of(members.begin(), members.end(), [](const ZipMember& m) { return is_data_pkl(m.name); });
}

bool is_pickle(const std::string& bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x80 && bytes[1] >= 2 && bytes[1] <= 5;
}

StateDict torch_state_dict(const std::vector<ZipMember>& members, const std::string& path) {
  const ZipMember* pickle = nullptr;
  for (const ZipMember& m : members)
    if (is_data_pkl(m.name)) {
      if (pickle) throw InputError(path, "two pickles, '" + pickle->name + "' and '" + m.name + "'");
      pickle = &m;
    }
  if (!pickle) throw InputError(path, "no <archive>/data.pkl: not a torch.save archive");
  const std::string archive = pickle->name.substr(0, pickle->name.size() - 8);  // "<archive>/"
  std::map<std::string, const std::string*> data;  // storage key -> its bytes
  for (const ZipMember& m : members) {
    if (m.name == archive + "byteorder" && m.bytes != "little")
      throw InputError(path, "byte order '" + m.bytes + "': relutope reads little-endian torch files");
    if (m.name.rfind(archive + "data/", 0) == 0) data[m.name.substr(archive.size() + 5)] = &m.bytes;
  }

  Unpickler unpickler(pickle->bytes, path + ": " + pickle->name);
  const Value& root = unpickler[unpickler.run()];
  if (root.kind != Value::Kind::dict) unpickler.fail("holds no state_dict (a dict of tensors) at its top level");
  StateDict dict;
  for (size_t i = 0; i < root.items.size(); i += 2) {
    const Value& key = unpickler[root.items[i]];
    const Value& value = unpickler[root.items[i + 1]];
    if (key.kind != Value::Kind::string) unpickler.fail("a state_dict key is not a string");
    if (value.kind != Value::Kind::tensor) {
      // A training checkpoint ({"epoch": ..., "model_state_dict": {...}}) holds the state_dict in a key.
      std::string inner;
      for (size_t k = 0; k < root.items.size() && inner.empty(); k += 2)
        if (unpickler[root.items[k + 1]].kind == Value::Kind::dict) inner = unpickler[root.items[k]].text;
      unpickler.fail("'" + key.text + "' is not a tensor" +
                     (inner.empty() ? std::string()
                                    : " (a checkpoint? save its state_dict alone: torch.save(checkpoint['" + inner +
                                          "'], path))"));
    }
    const Value& storage = unpickler[value.items[0]];
    const std::string source = path + ": " + key.text;
    const auto bytes = data.find(storage.text);
    if (bytes == data.end()) throw InputError(source, "its storage '" + archive + "data/" + storage.text + "' is missing");
    if (storage.integer < 0 || bytes->second->size() / storage.dtype.width != static_cast<size_t>(storage.integer) ||
        bytes->second->size() % storage.dtype.width)
      throw InputError(source, "its storage holds " + std::to_string(bytes->second->size()) + " bytes, not " +
                                   std::to_string(storage.integer) + " " + storage.dtype.name + " values");
    dict.tensors.emplace_back(key.text,
                              tensor_view(*bytes->second, storage.dtype, value.shape, value.strides, value.offset, source));
  }
  return dict;
}

}  // namespace relutope::internal
