namespace LabelLoop.Jobs.Tests.Training;

/// <summary>Short texts whose class is told only by a few topic words hidden among filler words every class shares.</summary>
internal static class ToyTexts
{
    /// <summary>
    /// <paramref name="count"/> texts, text i of topic i mod the topic count: six filler words with two words of its topic
    /// inserted at random places, drawn from <paramref name="seed"/>.
    /// </summary>
    public static (List<string> Texts, int[] Topic) Make(string[][] topics, string[] filler, int count, int seed)
    {
        var random = new Random(seed);
        var texts = new List<string>(count);
        var topic = new int[count];
        for (var i = 0; i < count; i++)
        {
            topic[i] = i % topics.Length;
            var words = Enumerable.Range(0, 6).Select(_ => filler[random.Next(filler.Length)]).ToList();
            for (var w = 0; w < 2; w++)
            {
                words.Insert(random.Next(words.Count), topics[topic[i]][random.Next(topics[topic[i]].Length)]);
            }
            texts.Add(string.Join(' ', words));
        }
        return (texts, topic);
    }
}
