using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Orchestrator.Worker.Engine.Networks.Weights;

/// <summary>
/// Key → shape of every tensor in a `torch.save(state_dict)` zip, read from its data.pkl without touching the
/// tensor data. PyBridge's unpickler is internal and loads every tensor; comparing keys and shapes first lets
/// a mismatch be reported in full instead of failing on the first bad copy. Only the pickle opcodes torch.save
/// emits for a state_dict are understood; anything else is reported as not a state_dict.
/// </summary>
public static class PthStateDictShapes
{
    public static IReadOnlyDictionary<string, long[]> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"weight file not found: {path}", path);
        }

        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new WeightLoadException($"{path} is not a torch.save zip archive (legacy or foreign format); re-save it with torch.save(model.state_dict(), path)", e);
        }

        using (archive)
        {
            var entry = archive.Entries.FirstOrDefault(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal))
                ?? throw new WeightLoadException($"{path} has no data.pkl; it is not a torch.save archive");
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var result = new PickleMachine(buffer.ToArray(), path).Run();
            if (result is not Dictionary<object, object?> dictionary)
            {
                throw new WeightLoadException($"{path} holds a pickled {result?.GetType().Name ?? "None"}, not a state_dict; save model.state_dict() instead of the model");
            }

            var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
            foreach (var (key, value) in dictionary)
            {
                if (key is string name && value is TensorShape tensor)
                {
                    shapes[name] = tensor.Shape;
                }
            }

            return shapes;
        }
    }

    private sealed record Global(string Module, string Name);

    private sealed record TensorShape(long[] Shape);

    private sealed class PickleMachine(byte[] data, string path)
    {
        private static readonly object Mark = new();
        private readonly Stack<object?> stack = new();
        private readonly Dictionary<long, object?> memo = [];
        private int position;

        public object? Run()
        {
            while (position < data.Length)
            {
                var opcode = data[position++];
                switch (opcode)
                {
                    case 0x80: position++; break; // PROTO
                    case 0x95: position += 8; break; // FRAME
                    case (byte)'}': stack.Push(new Dictionary<object, object?>()); break;
                    case (byte)']': stack.Push(new List<object?>()); break;
                    case (byte)')': stack.Push(Array.Empty<object?>()); break;
                    case (byte)'(': stack.Push(Mark); break;
                    case (byte)'N': stack.Push(null); break;
                    case 0x88: stack.Push(true); break;
                    case 0x89: stack.Push(false); break;
                    case (byte)'K': stack.Push((long)data[position++]); break;
                    case (byte)'M': stack.Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
                    case (byte)'J': stack.Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
                    case 0x8a: stack.Push(ReadLong1()); break;
                    case (byte)'G': stack.Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
                    case (byte)'X': stack.Push(Encoding.UTF8.GetString(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4))))); break;
                    case 0x8c: stack.Push(Encoding.UTF8.GetString(Take(data[position++]))); break;
                    case (byte)'U': stack.Push(Encoding.Latin1.GetString(Take(data[position++]))); break;
                    case (byte)'T': stack.Push(Encoding.Latin1.GetString(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4))))); break;
                    case (byte)'c': stack.Push(new Global(ReadLine(), ReadLine())); break;
                    case (byte)'q': memo[data[position++]] = stack.Peek(); break;
                    case (byte)'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = stack.Peek(); break;
                    case 0x94: memo[memo.Count] = stack.Peek(); break; // MEMOIZE
                    case (byte)'h': stack.Push(memo[data[position++]]); break;
                    case (byte)'j': stack.Push(memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))]); break;
                    case (byte)'t': stack.Push(PopToMark().ToArray()); break;
                    case 0x85: stack.Push(PopMany(1)); break;
                    case 0x86: stack.Push(PopMany(2)); break;
                    case 0x87: stack.Push(PopMany(3)); break;
                    case (byte)'Q': stack.Push(new PersistentId(stack.Pop())); break; // BINPERSID
                    case (byte)'R':
                    case 0x81: // REDUCE and NEWOBJ both call a callable with an argument tuple here
                        var arguments = (object?[])stack.Pop()!;
                        stack.Push(Call((Global)stack.Pop()!, arguments));
                        break;
                    case (byte)'b': stack.Pop(); break; // BUILD: the state (e.g. _metadata) is not needed
                    case (byte)'s':
                        var value = stack.Pop();
                        var key = stack.Pop()!;
                        ((Dictionary<object, object?>)stack.Peek()!)[key] = value;
                        break;
                    case (byte)'u':
                        var items = PopToMark();
                        var target = (Dictionary<object, object?>)stack.Peek()!;
                        for (var i = 0; i + 1 < items.Count; i += 2)
                        {
                            target[items[i]!] = items[i + 1];
                        }

                        break;
                    case (byte)'a':
                        var item = stack.Pop();
                        ((List<object?>)stack.Peek()!).Add(item);
                        break;
                    case (byte)'e':
                        var appended = PopToMark();
                        ((List<object?>)stack.Peek()!).AddRange(appended);
                        break;
                    case (byte)'.': return stack.Pop();
                    default:
                        throw new WeightLoadException($"{path}: data.pkl uses pickle opcode 0x{opcode:x2} at byte {position - 1}, which a torch.save state_dict does not; is this a whole pickled model?");
                }
            }

            throw new WeightLoadException($"{path}: data.pkl ends without STOP");
        }

        private static object? Call(Global callable, object?[] arguments) => (callable.Module, callable.Name) switch
        {
            ("collections", "OrderedDict") => new Dictionary<object, object?>(),
            ("torch._utils", "_rebuild_tensor_v2" or "_rebuild_tensor") =>
                new TensorShape(((object?[])arguments[2]!).Select(d => (long)d!).ToArray()),
            ("torch._utils", "_rebuild_parameter") => arguments[0],
            _ => callable,
        };

        private sealed record PersistentId(object? Id);

        private List<object?> PopToMark()
        {
            var items = new List<object?>();
            while (!ReferenceEquals(stack.Peek(), Mark))
            {
                items.Add(stack.Pop());
            }

            stack.Pop();
            items.Reverse();
            return items;
        }

        private object?[] PopMany(int count)
        {
            var items = new object?[count];
            for (var i = count - 1; i >= 0; i--)
            {
                items[i] = stack.Pop();
            }

            return items;
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            var span = data.AsSpan(position, count);
            position += count;
            return span;
        }

        private long ReadLong1()
        {
            var length = data[position++];
            long value = 0;
            for (var i = length - 1; i >= 0; i--)
            {
                value = (value << 8) | data[position + i];
            }

            // Sign-extend from the top byte.
            if (length is > 0 and < 8 && (data[position + length - 1] & 0x80) != 0)
            {
                value -= 1L << (8 * length);
            }

            position += length;
            return value;
        }

        private string ReadLine()
        {
            var end = Array.IndexOf(data, (byte)'\n', position);
            var line = Encoding.ASCII.GetString(data, position, end - position);
            position = end + 1;
            return line;
        }
    }
}
