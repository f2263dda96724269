// An MSBuild task, compiled by RoslynCodeTaskFactory from build/TorchSharp.targets.
//
// TorchSharp 0.107's libLibTorchSharp.so was linked on a newer distribution and lists the symbol version
// GLIBCXX_3.4.32 among its requirements; Debian 12's libstdc++ stops at 3.4.30, so the dynamic loader refuses the
// library and TorchSharp reports a misleading "doesn't contain a reference to libtorch-cpu-linux-x64". The only
// symbol under that version is std::ios_base_library_init(), which the library names (GCC 13's <iostream> adds the
// reference) but never relocates against. Setting VER_FLG_WEAK on that one requirement (its Vernaux entry in the
// .gnu.version_r section) turns the loader's refusal into nothing at all; every other requirement stays strict.
//
// The task edits the copy in a build or publish output, never the package cache: it writes a new file and moves it
// over the old one, so a hard-linked copy is left alone. It is idempotent and does nothing when the requirement is
// absent (a library built against an older libstdc++ needs no edit).
using System;
using System.IO;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class WeakenVersionRequirement : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>The ELF shared libraries to edit.</summary>
    [Required]
    public ITaskItem[] Libraries { get; set; } = new ITaskItem[0];

    /// <summary>The symbol version whose requirement becomes weak, e.g. GLIBCXX_3.4.32.</summary>
    [Required]
    public string Version { get; set; } = "";

    public override bool Execute()
    {
        foreach (var library in Libraries)
        {
            var path = library.GetMetadata("FullPath");
            try
            {
                var outcome = Weaken(path, Version);
                Log.LogMessage(MessageImportance.Low, "{0}: {1}", path, outcome);
            }
            catch (InvalidDataException e)
            {
                Log.LogError("Cannot make the {0} requirement of {1} weak: {2} Without the edit the library does not load on a " +
                    "libstdc++ older than that version (see build/TorchSharp.targets).", Version, path, e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }

    /// <summary>Edits the file at <paramref name="path"/>; returns what was done, or throws <see cref="InvalidDataException"/>.</summary>
    public static string Weaken(string path, string version)
    {
        var elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException("the file is not an ELF object.");
        }
        if (elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("the file is not a 64-bit little-endian ELF object.");
        }
        var sectionsAt = Int64(elf, 0x28);
        var sectionSize = UInt16(elf, 0x3a);
        var sectionCount = UInt16(elf, 0x3c);
        if (sectionSize != 64 || sectionsAt <= 0 || sectionsAt + (long)sectionCount * 64 > elf.Length)
        {
            throw new InvalidDataException("its section header table is missing or out of bounds.");
        }
        for (var s = 0; s < sectionCount; s++)
        {
            var header = (int)sectionsAt + s * 64;
            if (UInt32(elf, header + 4) != ShtGnuVerneed)
            {
                continue;
            }
            var start = Checked(elf, Int64(elf, header + 0x18), Int64(elf, header + 0x20));
            var strings = Section(elf, sectionsAt, sectionCount, (int)UInt32(elf, header + 0x28));
            var needs = UInt32(elf, header + 0x2c);
            var need = start;
            for (var n = 0; n < needs; n++)
            {
                var auxCount = UInt16(elf, Checked(elf, need, 16) + 2);
                var aux = Checked(elf, need + UInt32(elf, need + 8), 16);
                for (var a = 0; a < auxCount; a++)
                {
                    var name = Name(elf, strings, UInt32(elf, aux + 8));
                    if (name == version)
                    {
                        var flags = UInt16(elf, aux + 4);
                        if ((flags & VerFlagWeak) != 0)
                        {
                            return version + " is already weak";
                        }
                        elf[aux + 4] = (byte)(flags | VerFlagWeak);
                        var temporary = path + ".weakening";
                        File.WriteAllBytes(temporary, elf);
                        File.Replace(temporary, path, null);
                        return version + " made weak";
                    }
                    aux = Checked(elf, aux + (int)UInt32(elf, aux + 12), 16);
                }
                need = Checked(elf, need + (int)UInt32(elf, need + 12), 16);
            }
            return version + " is not required";
        }
        throw new InvalidDataException("it has no .gnu.version_r section.");
    }

    private static (int Start, int End) Section(byte[] elf, long sectionsAt, int count, int index)
    {
        if (index <= 0 || index >= count)
        {
            throw new InvalidDataException("the version section links to no string table.");
        }
        var header = (int)sectionsAt + index * 64;
        var size = Int64(elf, header + 0x20);
        var start = Checked(elf, Int64(elf, header + 0x18), size);
        return (start, start + (int)size);
    }

    private static string Name(byte[] elf, (int Start, int End) strings, uint offset)
    {
        var start = strings.Start + (long)offset;
        var end = start;
        while (end < strings.End && elf[end] != 0)
        {
            end++;
        }
        if (end >= strings.End)
        {
            throw new InvalidDataException("a version name lies outside the string table.");
        }
        return System.Text.Encoding.ASCII.GetString(elf, (int)start, (int)(end - start));
    }

    private static int Checked(byte[] elf, long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > elf.Length)
        {
            throw new InvalidDataException("a version entry lies outside the file.");
        }
        return (int)offset;
    }

    private static ushort UInt16(byte[] b, int at) => BitConverter.ToUInt16(b, at);

    private static uint UInt32(byte[] b, int at) => BitConverter.ToUInt32(b, at);

    private static long Int64(byte[] b, int at) => BitConverter.ToInt64(b, at);
}
