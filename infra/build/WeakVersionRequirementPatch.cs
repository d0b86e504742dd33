// Makes LibTorchSharp load on hosts whose libstdc++ is older than the one it was linked against.
//
// TorchSharp 0.107's libLibTorchSharp.so carries a version requirement on GLIBCXX_3.4.32 (GCC 13), but the
// only symbol bound to that version is the marker `_ZSt21ios_base_library_initv`, which has no relocation:
// nothing is ever looked up under it. Debian 12's libstdc++ stops at GLIBCXX_3.4.30, so the dynamic loader
// refuses the library before anything runs. Setting VER_FLG_WEAK (0x2) in the `vna_flags` of that
// requirement's Vernaux entry (section .gnu.version_r) turns the hard failure into a warning-free load; every
// other version requirement stays as strict as before.
//
// This one file serves twice: MSBuild compiles it as an inline task (infra/build/TorchNativePatch.targets) that
// patches the copies placed in a build or publish output, and the unit tests compile it (with
// ELF_PATCH_WITHOUT_MSBUILD defined) to test the patch on ELF files they make.
#nullable enable
using System;
using System.IO;
using System.Text;

#if !ELF_PATCH_WITHOUT_MSBUILD
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
#endif

namespace Orchestrator.Build
{
    /// <summary>What <see cref="ElfVersionRequirementPatcher.MarkWeak(string, string)"/> found and did.</summary>
    public enum VersionRequirementPatchOutcome
    {
        /// <summary>The requirement was strict and is now weak; the file was rewritten.</summary>
        Patched,
        /// <summary>The requirement was already weak; the file is untouched.</summary>
        AlreadyWeak,
        /// <summary>The file does not require that version at all; the file is untouched.</summary>
        NotRequired,
        /// <summary>Not a 64-bit little-endian ELF file, or one without a version-needs section; untouched.</summary>
        NotApplicable,
    }

    /// <summary>Reads and edits the version-needs section (.gnu.version_r) of a 64-bit little-endian ELF file.</summary>
    public static class ElfVersionRequirementPatcher
    {
        public const ushort WeakFlag = 0x2;
        private const uint SectionTypeVersionNeed = 0x6ffffffe; // SHT_GNU_verneed

        /// <summary>Marks every requirement on <paramref name="versionName"/> weak, rewriting the file only if needed.</summary>
        public static VersionRequirementPatchOutcome MarkWeak(string path, string versionName)
        {
            var image = File.ReadAllBytes(path);
            var outcome = MarkWeak(image, versionName);
            if (outcome == VersionRequirementPatchOutcome.Patched)
            {
                ReplaceFile(path, image);
            }

            return outcome;
        }

        /// <summary>Same as the file overload, on an in-memory image that it edits in place.</summary>
        public static VersionRequirementPatchOutcome MarkWeak(byte[] image, string versionName)
        {
            if (image is null)
            {
                throw new ArgumentNullException(nameof(image));
            }

            var offsets = FindRequirementFlags(image, versionName);
            if (offsets is null)
            {
                return VersionRequirementPatchOutcome.NotApplicable;
            }

            if (offsets.Length == 0)
            {
                return VersionRequirementPatchOutcome.NotRequired;
            }

            var changed = false;
            foreach (var flagsOffset in offsets)
            {
                var flags = ReadU16(image, flagsOffset);
                if ((flags & WeakFlag) == 0)
                {
                    WriteU16(image, flagsOffset, (ushort)(flags | WeakFlag));
                    changed = true;
                }
            }

            return changed ? VersionRequirementPatchOutcome.Patched : VersionRequirementPatchOutcome.AlreadyWeak;
        }

        /// <summary>The vna_flags of each requirement on <paramref name="versionName"/>, or null when the file is no ELF64 LE with a version-needs section.</summary>
        public static ushort[]? ReadRequirementFlags(byte[] image, string versionName)
        {
            var offsets = FindRequirementFlags(image, versionName);
            if (offsets is null)
            {
                return null;
            }

            var flags = new ushort[offsets.Length];
            for (var i = 0; i < offsets.Length; i++)
            {
                flags[i] = ReadU16(image, offsets[i]);
            }

            return flags;
        }

        /// <summary>True when a libstdc++ on this host defines <paramref name="versionName"/>, so no patch is needed.</summary>
        public static bool HostLibStdCxxDefines(string versionName)
        {
            // The version names a library defines are NUL-terminated strings in its .dynstr; a byte search is
            // enough to tell whether the newest one we need is there.
            var needle = Encoding.ASCII.GetBytes(versionName + "\0");
            string[] directories =
            {
                "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib/x86_64-linux-gnu",
                "/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib",
            };
            foreach (var directory in directories)
            {
                var candidate = Path.Combine(directory, "libstdc++.so.6");
                if (File.Exists(candidate) && IndexOf(File.ReadAllBytes(candidate), needle) >= 0)
                {
                    return true;
                }
            }

            return false;
        }

        private static int[]? FindRequirementFlags(byte[] image, string versionName)
        {
            // ELF64, little-endian: e_ident "\x7fELF", EI_CLASS = 2, EI_DATA = 1.
            if (image.Length < 64 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' ||
                image[3] != (byte)'F' || image[4] != 2 || image[5] != 1)
            {
                return null;
            }

            var sectionTableOffset = (long)ReadU64(image, 0x28);
            int sectionEntrySize = ReadU16(image, 0x3a);
            int sectionCount = ReadU16(image, 0x3c);
            if (sectionTableOffset <= 0 || sectionEntrySize < 64 ||
                sectionTableOffset + ((long)sectionEntrySize * sectionCount) > image.Length)
            {
                return null;
            }

            for (var s = 0; s < sectionCount; s++)
            {
                var header = (int)(sectionTableOffset + ((long)s * sectionEntrySize));
                if (ReadU32(image, header + 4) != SectionTypeVersionNeed)
                {
                    continue;
                }

                var sectionOffset = (int)ReadU64(image, header + 0x18);
                var linkedStrings = (int)ReadU32(image, header + 0x28);
                var entryCount = (int)ReadU32(image, header + 0x2c); // sh_info: number of Verneed entries
                if (linkedStrings >= sectionCount)
                {
                    return null;
                }

                var stringsHeader = (int)(sectionTableOffset + ((long)linkedStrings * sectionEntrySize));
                var stringsOffset = (int)ReadU64(image, stringsHeader + 0x18);
                return CollectFlagOffsets(image, sectionOffset, entryCount, stringsOffset, versionName);
            }

            return null;
        }

        private static int[] CollectFlagOffsets(byte[] image, int verneed, int entryCount, int strings, string versionName)
        {
            var found = new System.Collections.Generic.List<int>();
            for (var n = 0; n < entryCount; n++)
            {
                int auxCount = ReadU16(image, verneed + 2);
                var aux = verneed + (int)ReadU32(image, verneed + 8);
                for (var a = 0; a < auxCount; a++)
                {
                    var name = ReadCString(image, strings + (int)ReadU32(image, aux + 8));
                    if (name == versionName)
                    {
                        found.Add(aux + 4); // Vernaux: vna_hash(4), then vna_flags(2)
                    }

                    var nextAux = ReadU32(image, aux + 12);
                    if (nextAux == 0)
                    {
                        break;
                    }

                    aux += (int)nextAux;
                }

                var next = ReadU32(image, verneed + 12);
                if (next == 0)
                {
                    break;
                }

                verneed += (int)next;
            }

            return found.ToArray();
        }

        private static void ReplaceFile(string path, byte[] image)
        {
            // Write beside and rename over: the output copy may be a hard link into the NuGet cache, which must
            // never change, and a reader never sees a half-written library. (MSBuild compiles inline tasks
            // against netstandard2.0, hence File.Replace rather than File.Move with overwrite.)
            var temporary = path + ".weakpatch.tmp";
            File.WriteAllBytes(temporary, image);
            File.Replace(temporary, path, destinationBackupFileName: null);
        }

        private static string ReadCString(byte[] image, int offset)
        {
            var end = offset;
            while (end < image.Length && image[end] != 0)
            {
                end++;
            }

            return Encoding.ASCII.GetString(image, offset, end - offset);
        }

        private static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (var i = 0; i <= haystack.Length - needle.Length; i++)
            {
                var j = 0;
                while (j < needle.Length && haystack[i + j] == needle[j])
                {
                    j++;
                }

                if (j == needle.Length)
                {
                    return i;
                }
            }

            return -1;
        }

        private static ushort ReadU16(byte[] b, int o) => (ushort)(b[o] | (b[o + 1] << 8));

        private static void WriteU16(byte[] b, int o, ushort v)
        {
            b[o] = (byte)v;
            b[o + 1] = (byte)(v >> 8);
        }

        private static uint ReadU32(byte[] b, int o) => (uint)(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24));

        private static ulong ReadU64(byte[] b, int o) => ReadU32(b, o) | ((ulong)ReadU32(b, o + 4) << 32);
    }

#if !ELF_PATCH_WITHOUT_MSBUILD
    /// <summary>MSBuild task: weakens one version requirement in the given native libraries when the host lacks it.</summary>
    public class WeakenVersionRequirement : Task
    {
        [Required]
        public ITaskItem[] Libraries { get; set; } = Array.Empty<ITaskItem>();

        [Required]
        public string VersionName { get; set; } = string.Empty;

        public override bool Execute()
        {
            if (ElfVersionRequirementPatcher.HostLibStdCxxDefines(VersionName))
            {
                Log.LogMessage(MessageImportance.Low, "Host libstdc++ defines {0}; native libraries left as shipped.", VersionName);
                return true;
            }

            foreach (var library in Libraries)
            {
                var outcome = ElfVersionRequirementPatcher.MarkWeak(library.ItemSpec, VersionName);
                Log.LogMessage(MessageImportance.Normal, "{0}: requirement on {1}: {2}", library.ItemSpec, VersionName, outcome);
            }

            return true;
        }
    }
#endif
}
