using System.Text;

namespace Orchestrator.Worker.Tests.Build;

/// <summary>
/// Writes a minimal 64-bit little-endian ELF shared object holding only what the version-requirement patch reads:
/// a string table, a .gnu.version_r section with one Verneed entry per library, and the section-name table.
/// </summary>
internal static class SmallElfFile
{
    private const int HeaderSize = 64;
    private const int SectionHeaderSize = 64;

    public static byte[] Build(params (string Library, string[] Versions)[] needs)
    {
        var strings = new MemoryStream();
        strings.WriteByte(0);
        int AddString(string s)
        {
            var at = (int)strings.Position;
            strings.Write(Encoding.ASCII.GetBytes(s + "\0"));
            return at;
        }

        var verneed = new MemoryStream();
        for (var n = 0; n < needs.Length; n++)
        {
            var (library, versions) = needs[n];
            var entrySize = 16 + (16 * versions.Length);
            Write16(verneed, 1); // vn_version
            Write16(verneed, (ushort)versions.Length);
            Write32(verneed, (uint)AddString(library));
            Write32(verneed, 16); // vn_aux: auxiliaries follow the entry
            Write32(verneed, n == needs.Length - 1 ? 0u : (uint)entrySize);
            for (var v = 0; v < versions.Length; v++)
            {
                Write32(verneed, 0x0abcdef0u + (uint)v); // vna_hash (not checked by the patch)
                Write16(verneed, 0); // vna_flags
                Write16(verneed, (ushort)(2 + v)); // vna_other
                Write32(verneed, (uint)AddString(versions[v]));
                Write32(verneed, v == versions.Length - 1 ? 0u : 16u);
            }
        }

        var names = new MemoryStream();
        names.WriteByte(0);
        var dynstrName = (int)names.Position;
        names.Write(".dynstr\0"u8);
        var verneedName = (int)names.Position;
        names.Write(".gnu.version_r\0"u8);
        var shstrName = (int)names.Position;
        names.Write(".shstrtab\0"u8);

        var dynstrOffset = HeaderSize;
        var verneedOffset = dynstrOffset + (int)strings.Length;
        var shstrOffset = verneedOffset + (int)verneed.Length;
        var sectionTable = Align8(shstrOffset + (int)names.Length);

        var file = new MemoryStream();
        file.Write([0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        Write16(file, 3); // ET_DYN
        Write16(file, 62); // EM_X86_64
        Write32(file, 1);
        Write64(file, 0); // entry
        Write64(file, 0); // program headers
        Write64(file, (ulong)sectionTable);
        Write32(file, 0);
        Write16(file, HeaderSize);
        Write16(file, 56);
        Write16(file, 0);
        Write16(file, SectionHeaderSize);
        Write16(file, 4); // null, .dynstr, .gnu.version_r, .shstrtab
        Write16(file, 3);
        strings.WriteTo(file);
        verneed.WriteTo(file);
        names.WriteTo(file);
        while (file.Length < sectionTable)
        {
            file.WriteByte(0);
        }

        WriteSection(file, 0, 0, 0, 0, 0, 0);
        WriteSection(file, dynstrName, 3, dynstrOffset, strings.Length, 0, 0);
        WriteSection(file, verneedName, 0x6ffffffe, verneedOffset, verneed.Length, link: 1, info: (uint)needs.Length);
        WriteSection(file, shstrName, 3, shstrOffset, names.Length, 0, 0);
        return file.ToArray();
    }

    private static void WriteSection(Stream s, int name, uint type, long offset, long size, uint link, uint info)
    {
        Write32(s, (uint)name);
        Write32(s, type);
        Write64(s, 0); // flags
        Write64(s, 0); // addr
        Write64(s, (ulong)offset);
        Write64(s, (ulong)size);
        Write32(s, link);
        Write32(s, info);
        Write64(s, 1); // addralign
        Write64(s, 0); // entsize
    }

    private static int Align8(int value) => (value + 7) & ~7;

    private static void Write16(Stream s, ushort v) => s.Write(BitConverter.GetBytes(v));

    private static void Write32(Stream s, uint v) => s.Write(BitConverter.GetBytes(v));

    private static void Write64(Stream s, ulong v) => s.Write(BitConverter.GetBytes(v));
}
