"""What keeps a disposal from happening: the kill switch, holds, and the plan digest a reviewer approved."""
