namespace Jobs.Scheduler.Data;

/// <summary>A scheduling token canceled before its schedule arrived (messages cross); the schedule is then never made.</summary>
public sealed class CanceledSchedule
{
    public Guid TokenId { get; set; }
    public DateTimeOffset CanceledAt { get; set; }
}
