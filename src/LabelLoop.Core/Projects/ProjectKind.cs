namespace LabelLoop.Core.Projects;

/// <summary>What a project's items are.</summary>
public enum ProjectKind
{
    /// <summary>Each item is one image stored in the blob store.</summary>
    Image,

    /// <summary>Each item is one short text stored in the row.</summary>
    Text,
}
