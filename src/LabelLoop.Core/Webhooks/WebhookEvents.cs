namespace LabelLoop.Core.Webhooks;

/// <summary>The events a webhook can subscribe to.</summary>
public static class WebhookEvents
{
    public const string AnnotationCreated = "annotation.created";
    public const string ModelTrained = "model.trained";
    public const string ExportCompleted = "export.completed";

    public static IReadOnlyList<string> All { get; } = [AnnotationCreated, ModelTrained, ExportCompleted];
}
