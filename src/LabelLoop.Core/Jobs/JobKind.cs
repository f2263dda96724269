namespace LabelLoop.Core.Jobs;

/// <summary>The kinds of background work a job run row records.</summary>
public enum JobKind
{
    Import,
    Pretrain,
    Train,
    Score,
    Export,
    Simulate,
}
