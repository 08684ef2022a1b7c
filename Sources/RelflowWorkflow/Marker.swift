import Git
import RelflowCore
public enum RelflowWorkflowMarker {}
